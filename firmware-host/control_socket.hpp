#pragma once
// A Unix stream socket that takes SimHardware commands, one per line, and answers one line
// each ("ok ..." or "error ..."). A client that sends "watch" also gets every output change
// as it happens ("event relay on"), which is how scripts and tests see the relay.
#include <map>
#include <string>

#include "core/result.hpp"
#include "loop/event_loop.hpp"
#include "sim_hardware.hpp"

namespace fabgate {

class ControlSocket {
  public:
    ControlSocket(EventLoop& loop, SimHardware& hardware) : loop_(loop), hardware_(hardware) {}
    ~ControlSocket();
    ControlSocket(const ControlSocket&) = delete;
    ControlSocket& operator=(const ControlSocket&) = delete;

    Status listen(const std::string& path);

  private:
    struct Client {
        std::string buffer;
        bool watching = false;
    };
    void accept_clients();
    void read_client(int fd);
    void drop(int fd);
    void broadcast(std::string_view change);

    EventLoop& loop_;
    SimHardware& hardware_;
    int listen_fd_ = -1;
    std::string path_;
    std::map<int, Client> clients_;
};

// Sends one command to a running gate's control socket and prints the answer: the terminal
// and script side of the simulator (`fabgate --send`).
Result<std::string> send_control_command(const std::string& path, const std::string& line);

}  // namespace fabgate
