#pragma once
// Host name lookup off the loop thread. Names go through NSS (/etc/hosts, DNS, and mDNS for
// the `.local` names the example configs use), whose only API, getaddrinfo, blocks for as long
// as a resolver takes to time out. Run on a gate's only thread, that would hold back badges,
// interlock-to-relay-off and the watchdog. So each lookup runs on a short-lived thread of its
// own, which touches nothing but its request and its reply, and reports through an eventfd
// that the loop watches: the loop itself never waits.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "loop/event_loop.hpp"

namespace fabgate {

// Numeric addresses ("192.0.2.1", "2001:db8::1"), first the ones a connect should try first.
using Addresses = std::vector<std::string>;

// The blocking lookup itself; tests replace it to hold a lookup for as long as they like.
using BlockingResolver = std::function<Result<Addresses>(const std::string& host, int port)>;
Result<Addresses> resolve_with_getaddrinfo(const std::string& host, int port);

// True for a numeric IPv4 or IPv6 address, which needs no lookup.
bool is_numeric_address(const std::string& host);

class NameLookup {
  public:
    using Done = std::function<void(Result<Addresses>)>;

    explicit NameLookup(EventLoop& loop, BlockingResolver resolver = resolve_with_getaddrinfo);
    ~NameLookup();
    NameLookup(const NameLookup&) = delete;
    NameLookup& operator=(const NameLookup&) = delete;

    // Starts a lookup; `done` runs later on the loop, never inside this call. A lookup started
    // while another is pending replaces it: the older answer is dropped when it comes.
    Status start(const std::string& host, int port, Done done);
    // Drops the pending lookup's answer (its thread ends on its own).
    void cancel();
    bool pending() const { return static_cast<bool>(done_); }

  private:
    struct Shared;
    void on_ready();

    EventLoop& loop_;
    BlockingResolver resolver_;
    std::shared_ptr<Shared> shared_;  // also held by every lookup thread still running
    std::uint64_t generation_ = 0;
    Done done_;
};

}  // namespace fabgate
