#pragma once
// What the ledger's unit tests share: a scratch directory and a finished session to ingest.
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/messages.hpp"

namespace fabgate::test {

// A fresh directory under /tmp, removed with everything in it when the test ends.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/ledger-test-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (path / name).string(); }
};

// Member m-1's badge on lab/<machine>, powered for `minutes` from `start`, with a synced clock.
inline SessionRecord finished_session(std::string id, UnixMs start, std::int64_t minutes,
                                      std::string machine) {
    SessionRecord s;
    s.id = std::move(id);
    s.site = "lab";
    s.machine = std::move(machine);
    s.uid = "04A1B2C3";
    s.member = "m-1";
    s.started_at = start;
    s.ended_at = start + minutes * 60'000;
    s.clock_synced = true;
    s.powered_ms = minutes * 60'000;
    return s;
}

}  // namespace fabgate::test
