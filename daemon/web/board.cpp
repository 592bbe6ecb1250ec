#include "web/board.hpp"

#include "core/topics.hpp"

namespace fabgate::web {

std::string sse_event(std::string_view event, std::string_view json) {
    std::string out = "event: ";
    out.append(event).append("\ndata: ");
    // One data line per line of the payload (our JSON is on one line; be safe anyway).
    for (char c : json) {
        if (c == '\n')
            out.append("\ndata: ");
        else
            out.push_back(c);
    }
    return out.append("\n\n");
}

Board::Board(EventLoop& loop, Publisher publish, std::string broker_where)
    : loop_(loop), publish_(std::move(publish)), broker_where_(std::move(broker_where)) {}

Board::~Board() {
    for (auto& [id, p] : pending_)
        if (p.timer != 0) loop_.cancel_timer(p.timer);
}

std::optional<MachineStatus> Board::state(const MachineKey& key) const {
    auto it = states_.find(key);
    if (it == states_.end()) return std::nullopt;
    return it->second;
}

void Board::on_message(std::string_view topic, std::string_view payload, bool retained) {
    auto parsed = topics::parse(topic);
    if (!parsed || parsed->leaf != "state") return;
    MachineKey key{parsed->site, parsed->machine};
    if (payload.empty()) {  // retained state cleared: the gate was taken away
        states_.erase(key);
        broadcast(key);
        return;
    }
    auto status = decode_status(payload);
    if (!status) return;
    states_[key] = *status;
    broadcast(key);
    if (retained) return;  // what the gate said before: answers no command
    std::vector<std::uint64_t> confirmed;
    for (auto& [id, p] : pending_) {
        if (p.key != key) continue;
        p.heard = *status;
        if (ctl::shows_effect(p.kind, p.before, *status)) confirmed.push_back(id);
    }
    for (auto id : confirmed) {
        const auto& st = *pending_.at(id).heard;
        settle(id, ctl::Delivery::Confirmed,
               "the gate reports " + std::string(to_string(st.state)) +
                   (st.detail.empty() ? "" : ": " + st.detail));
    }
}

void Board::prune_streams() {
    std::erase_if(streams_, [](const Client& c) {
        if (c.stream->closed()) return true;
        if (c.allowed && !c.allowed()) {
            c.stream->finish();
            return true;
        }
        return false;
    });
}

void Board::broadcast(const MachineKey& key) {
    prune_streams();
    if (streams_.empty() || !render_) return;
    auto event = sse_event("machine", render_(key));
    for (auto& c : streams_) c.stream->push(event);
}

void Board::add_stream(std::shared_ptr<EventStream> stream, const std::vector<MachineKey>& machines,
                       StillAllowed allowed) {
    stream->push("retry: 2000\n\n");
    if (render_)
        for (const auto& key : machines) stream->push(sse_event("machine", render_(key)));
    streams_.push_back({std::move(stream), std::move(allowed)});
}

void Board::keepalive() {
    prune_streams();
    for (auto& c : streams_) c.stream->push(": keepalive\n\n");
}

void Board::send(const MachineKey& key, const Command& command, std::chrono::milliseconds timeout,
                 CommandDone done) {
    ctl::CommandDelivery failed;
    failed.where = broker_where_;
    if (!connected_) {
        failed.outcome = ctl::Delivery::BrokerUnreachable;
        failed.detail = "fabweb is not connected to the broker";
        done(std::move(failed));
        return;
    }
    auto id = next_pending_++;
    Pending p{key, command.kind, state(key), std::nullopt, 0, timeout, std::move(done)};
    auto topic = topics::machine(key.first, key.second, "commands");
    auto sent = publish_(topic, encode(command));
    if (!sent) {
        failed.outcome = ctl::Delivery::BrokerUnreachable;
        failed.detail = sent.error().message();
        p.done(std::move(failed));
        return;
    }
    p.timer = loop_.add_oneshot(timeout, [this, id] {
        auto it = pending_.find(id);
        if (it == pending_.end()) return;
        it->second.timer = 0;
        const auto& heard = it->second.heard;
        auto waited = std::to_string(it->second.timeout.count() / 1000) + " s";
        if (heard && heard->state == MachineState::Offline)
            settle(id, ctl::Delivery::NotConfirmed, "the gate is offline (" + heard->detail + ")");
        else if (!heard && !it->second.before)
            settle(id, ctl::Delivery::NotConfirmed,
                   "no state from the gate within " + waited +
                       " (never reported, or this login may not read it)");
        else
            settle(id, ctl::Delivery::NotConfirmed,
                   "no state showing it within " + waited +
                       "; the broker drops a command this login may not send without saying so "
                       "(check its block in acl.conf), or the gate is not connected");
    });
    pending_.emplace(id, std::move(p));
}

void Board::settle(std::uint64_t id, ctl::Delivery outcome, std::string detail) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (p.timer != 0) loop_.cancel_timer(p.timer);
    ctl::CommandDelivery d;
    d.outcome = outcome;
    d.where = broker_where_;
    d.detail = std::move(detail);
    d.state = p.heard ? p.heard : p.before;
    p.done(std::move(d));
}

}  // namespace fabgate::web
