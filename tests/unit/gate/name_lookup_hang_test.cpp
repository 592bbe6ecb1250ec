// A broker name whose only nameserver never answers: the gate goes on admitting badges,
// switches the relay off when the interlock opens, and feeds the systemd watchdog, all while
// the lookup hangs. Its own executable: it moves the process into a mount namespace with its
// own /etc/resolv.conf. Root does that directly; anyone else through a user namespace of their
// own (skipped, and says so, where the kernel allows neither).
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fstream>

#include <doctest/doctest.h>

#include "app_rig.hpp"
#include "loop/unique_fd.hpp"
#include "sys/log.hpp"
#include "sys/notify.hpp"
#include "test_support.hpp"

using namespace fabgate;
using namespace std::chrono_literals;
using fabgate::test::AppRig;

namespace {

constexpr const char* kSilentNameserver = "127.0.0.77";

bool write_file(const char* path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    out.flush();
    return out.good();
}

bool bring_loopback_up() {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq request{};
    std::string("lo").copy(request.ifr_name, IFNAMSIZ - 1);
    if (!fd || ::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0) return false;
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    return ::ioctl(fd.get(), SIOCSIFFLAGS, &request) == 0;
}

// Without root: a user namespace (the process keeps its own uid and gid, mapped to themselves)
// owning new mount and network namespaces. The network one because port 53 is privileged in the
// host's; its loopback starts down. The process must still be single-threaded here.
bool unprivileged_namespaces() {
    auto uid = std::to_string(::getuid()), gid = std::to_string(::getgid());
    return ::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET) == 0 &&
           write_file("/proc/self/setgroups", "deny") &&
           write_file("/proc/self/uid_map", uid + " " + uid + " 1\n") &&
           write_file("/proc/self/gid_map", gid + " " + gid + " 1\n") && bring_loopback_up();
}

// Gives this process an /etc/resolv.conf naming only `nameserver`, with retries far apart, so
// that a lookup asks once and then waits. False if the namespace cannot be made.
bool private_resolv_conf(const std::string& dir, const char* nameserver) {
    if (::unshare(CLONE_NEWNS) != 0 && !unprivileged_namespaces()) return false;
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
    auto conf = dir + "/resolv.conf";
    std::ofstream(conf) << "nameserver " << nameserver << "\noptions timeout:10 attempts:2\n";
    return ::mount(conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) == 0;
}

// A datagram socket that receives and never answers.
UniqueFd bind_udp(const char* address, int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (!fd || ::inet_pton(AF_INET, address, &addr.sin_addr) != 1 ||
        ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return UniqueFd();
    return fd;
}

UniqueFd bind_unix_datagram(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        return UniqueFd();
    return fd;
}

// Datagrams waiting on `fd` whose text starts with `prefix` (all of them for an empty one).
int drain(int fd, std::string_view prefix = {}) {
    int count = 0;
    char buffer[512];
    ssize_t n;
    while ((n = ::recv(fd, buffer, sizeof buffer, 0)) >= 0)
        if (std::string_view(buffer, static_cast<std::size_t>(n)).substr(0, prefix.size()) ==
            prefix)
            ++count;
    return count;
}

}  // namespace

TEST_CASE("while the broker's name lookup hangs, badges, the interlock and the watchdog go on") {
    log::set_threshold(log::Level::Error);
    AppRig rig;
    if (!private_resolv_conf(rig.dir.string(), kSilentNameserver)) {
        MESSAGE(
            "skipped: cannot give this process its own /etc/resolv.conf (no root, and no "
            "unprivileged user namespaces)");
        return;
    }
    auto nameserver = bind_udp(kSilentNameserver, 53);
    REQUIRE(nameserver);
    auto watchdog = bind_unix_datagram((rig.dir / "notify").string());
    REQUIRE(watchdog);
    ::setenv("NOTIFY_SOCKET", (rig.dir / "notify").c_str(), 1);
    ::setenv("WATCHDOG_USEC", "100000", 1);  // fed every 50 ms
    ::unsetenv("WATCHDOG_PID");

    std::ofstream(rig.config_path) << R"({"site": "lab", "machine": "laser-1",
        "broker": {"host": "broker.fabgate-test", "client_id": "gate-laser-1"},
        "journal": ")" << rig.journal()
                                   << R"(", "insecure_unsigned_acl": true,
        "hardware": {"kind": "sim", "reader": {"type": "sim"},
                     "inputs": {"interlocks": [{"name": "lid", "line": 1}]}}, "policy": {}})";
    rig.seed_access_list();
    rig.start();
    notify::start_watchdog(rig.loop);

    // The gate asks the nameserver (an A and an AAAA query), which never answers.
    int queries = 0;
    REQUIRE(test::wait_until(
        rig.loop, [&] { return (queries += drain(nameserver.get())) > 0; }, 5s));

    rig.badge();
    CHECK(rig.outputs->relay);  // admitted
    rig.gate->input_changed(InputKind::Interlock, "lid", true);
    CHECK_FALSE(rig.outputs->relay);
    rig.gate->input_changed(InputKind::Interlock, "lid", false);
    rig.badge();
    CHECK(rig.outputs->relay);  // admitted again once the lid is closed

    int fed = 0;
    CHECK(test::wait_until(
        rig.loop, [&] { return (fed += drain(watchdog.get(), "WATCHDOG=1")) >= 3; }, 5s));
    // All of that happened while the first lookup was still waiting: the nameserver has not
    // been asked again, and the gate has no broker.
    queries += drain(nameserver.get());
    CHECK(queries <= 2);
    CHECK_FALSE(rig.gate->broker_connected());
}
