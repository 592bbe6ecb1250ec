#include "secure_broker.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "sys/log.hpp"

namespace fabgate::test {

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

Shell run_shell(const std::string& command) {
    Shell result{-1, {}};
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    std::array<char, 4096> buf{};
    while (auto n = fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

SecureBroker::SecureBroker() : port_(free_tcp_port()) {
    auto setup =
        run_shell(std::string(FABGATE_SOURCE_DIR) + "/tests/integration/security/make-broker-dir " +
                  quote(dir_.path()) + " " + std::to_string(port_));
    if (setup.status != 0) throw std::runtime_error("make-broker-dir failed:\n" + setup.output);
    launch();
}

void SecureBroker::restart() {
    stop();
    launch();
}

void SecureBroker::stop() {
    process_.signal(SIGTERM);
    process_.wait(std::chrono::seconds(10));
}

void SecureBroker::launch() {
    process_ = ChildProcess({"/usr/sbin/mosquitto", "-c", dir_.file("mosquitto.conf")},
                            dir_.file("mosquitto.log"));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!port_accepts(port_)) {
        if (std::chrono::steady_clock::now() > deadline || !process_.running())
            throw std::runtime_error("mosquitto did not start:\n" + process_.log());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

SecureBroker::~SecureBroker() {
    if (process_.running()) {
        process_.signal(SIGTERM);
        process_.wait(std::chrono::seconds(10));
    }
}

std::string SecureBroker::gate_password(const std::string& machine) const {
    std::ifstream in(dir_.file("gate-" + machine + "/broker.pass"));
    std::string line;
    std::getline(in, line);
    return line;
}

namespace {

MqttOptions login_options(int port, const Login& login, std::string client_id, std::string host,
                          BlockingResolver resolver) {
    log::set_threshold(log::Level::Error);  // refused logins are expected here; no narration
    MqttOptions options;
    options.broker.host = std::move(host);
    options.resolver = std::move(resolver);
    options.broker.port = port;
    options.broker.client_id = std::move(client_id);
    options.broker.username = login.username;
    options.broker.password = login.password;
    if (!login.ca_file.empty())
        options.broker.tls = TlsConfig{login.ca_file, login.cert_file, login.key_file};
    options.min_backoff = std::chrono::milliseconds(100);
    options.max_backoff = std::chrono::milliseconds(500);
    return options;
}

}  // namespace

SecureClient::SecureClient(int port, const Login& login, std::string client_id, std::string host,
                           BlockingResolver resolver)
    : TestClient(
          login_options(port, login, std::move(client_id), std::move(host), std::move(resolver))) {}

}  // namespace fabgate::test
