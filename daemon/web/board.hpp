#pragma once
// The live machine board: the gates' retained `state` as fabweb's own MQTT subscription hears
// it, the event streams (SSE) told of each change, and machine commands waiting for the gate
// to show their effect (the rule fabctl uses: ctl::shows_effect).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/messages.hpp"
#include "core/result.hpp"
#include "ctl/broker_publish.hpp"
#include "loop/event_loop.hpp"
#include "web/http_types.hpp"

namespace fabgate::web {

using MachineKey = std::pair<std::string, std::string>;  // site, machine id

class Board {
  public:
    // Publishes a command (QoS 1, not retained); fails when the broker is not connected.
    using Publisher = std::function<Result<int>(const std::string& topic, const std::string&)>;
    // Renders one machine as its /api/machines entry (the app knows names and locks).
    using Renderer = std::function<std::string(const MachineKey&)>;
    using CommandDone = std::function<void(ctl::CommandDelivery)>;

    Board(EventLoop& loop, Publisher publish, std::string broker_where);
    ~Board();
    Board(const Board&) = delete;
    Board& operator=(const Board&) = delete;

    void set_renderer(Renderer render) { render_ = std::move(render); }
    // Every message of the subscription `fabgate/+/machines/+/state`.
    void on_message(std::string_view topic, std::string_view payload, bool retained);
    void on_connection(bool connected) { connected_ = connected; }
    bool connected() const { return connected_; }

    std::optional<MachineStatus> state(const MachineKey& key) const;
    const std::map<MachineKey, MachineStatus>& states() const { return states_; }

    // Whether a stream's client may still be told: its session has not ended.
    using StillAllowed = std::function<bool()>;
    // Adds a client: it gets every machine now, then each change while `allowed`; once not,
    // its stream is finished. `machines` are the keys to send now (registered machines and
    // reporting gates).
    void add_stream(std::shared_ptr<EventStream> stream, const std::vector<MachineKey>& machines,
                    StillAllowed allowed);
    std::size_t streams() const { return streams_.size(); }
    // A comment line to every stream: keeps proxies from closing it, and finds clients gone.
    void keepalive();
    // Drops the streams whose client went away and finishes those no longer allowed (also
    // done before each state and keepalive; a logout calls it not to wait for those).
    void prune_streams();

    // Publishes the command and calls `done` once the gate showed its effect, or after
    // `timeout` with what was (not) heard, in fabctl's words.
    void send(const MachineKey& key, const Command& command, std::chrono::milliseconds timeout,
              CommandDone done);

  private:
    struct Pending {
        MachineKey key;
        CommandKind kind;
        std::optional<MachineStatus> before;
        std::optional<MachineStatus> heard;
        EventLoop::TimerId timer = 0;
        std::chrono::milliseconds timeout{};
        CommandDone done;
    };
    struct Client {
        std::shared_ptr<EventStream> stream;
        StillAllowed allowed;
    };
    void broadcast(const MachineKey& key);
    void settle(std::uint64_t id, ctl::Delivery outcome, std::string detail);

    EventLoop& loop_;
    Publisher publish_;
    std::string broker_where_;
    Renderer render_;
    bool connected_ = false;
    std::map<MachineKey, MachineStatus> states_;
    std::vector<Client> streams_;
    std::map<std::uint64_t, Pending> pending_;
    std::uint64_t next_pending_ = 1;
};

// "event: machine\ndata: <json>\n\n"
std::string sse_event(std::string_view event, std::string_view json);

}  // namespace fabgate::web
