// fabctl's login turn (ctl/broker_login.hpp) where the file system cannot lock the login file.
#include <doctest/doctest.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "commands_lab.hpp"

using namespace fabgate;
using namespace fabgate::test;

namespace {

// 0: flock(2) as the kernel does it; else the errno every flock fails with here. An NFS client
// emulates flock with fcntl locks, so an exclusive lock on a descriptor opened read-only fails
// with EBADF (flock(2)); an NFS mount without a lock manager gives ENOLCK.
int g_flock_fails_with = 0;

}  // namespace

// This binary's flock: the code under test calls this one.
extern "C" int flock(int fd, int operation) {
    if (g_flock_fails_with != 0) {
        errno = g_flock_fails_with;
        return -1;
    }
    return static_cast<int>(::syscall(SYS_flock, fd, operation));
}

TEST_CASE("a login file on NFS, which cannot be locked, still carries fabctl's command") {
    for (int refusal : {EBADF, ENOLCK}) {
        CAPTURE(refusal);
        Lab lab;
        lab.standard_setup();
        auto maria = (lab.dir / "maria.json").string();
        std::ofstream(maria) << R"({"broker": {"host": "localhost", "port": 8883,
                                   "username": "manager-maria", "password": "x"}})";
        g_flock_fails_with = refusal;
        auto r = lab.run({"--broker-config", maria, "machines", "lock", "laser-1"});
        g_flock_fails_with = 0;
        INFO(r.err);
        CHECK(r.code == 0);
        REQUIRE(lab.published.size() == 1);
        CHECK(lab.published[0].login.username == "manager-maria");
    }
}
