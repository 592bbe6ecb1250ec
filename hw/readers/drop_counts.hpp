#pragma once
// Bad input never crashes a reader and never turns into a wrong UID: it is dropped and counted,
// so an installer can tell a noisy cable from a silent one.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/enum_names.hpp"

namespace fabgate::readers {

// reason ("rdm6300.bad_checksum") -> frames dropped for it since start.
using DropCounts = std::map<std::string, std::uint64_t>;

// One reason a decoder drops input, by the name it is reported under in DropCounts.
struct DropReason {
    // Most reasons count whole reads dropped (a frame, a typed entry, a card's answer); a few
    // count the stray bytes between reads, which are no read and so stay out of total().
    enum class Unit { Read, StrayByte };

    constexpr DropReason(const char* reported_name, Unit counted = Unit::Read)
        : name(reported_name), unit(counted) {}

    std::string_view name;
    Unit unit;
};

// A decoder's drop counters, one per value of its `Reason` enum. `kReasons` describes them in
// the enum's order, so that reporting, summing and adding them up is written once here rather
// than field by field in every decoder.
template <class Reason, const auto& kReasons>
class DropTally {
    // A reason missing from the table would count past the end of counts_. The enum counts up
    // from 0, so its last value must be an enumerator and the one after it must not.
    static_assert(
        kReasons.size() > 0 &&
            enum_names_detail::names_an_enumerator<Reason,
                                                   static_cast<Reason>(kReasons.size() - 1)>() &&
            !enum_names_detail::names_an_enumerator<Reason, static_cast<Reason>(kReasons.size())>(),
        "kReasons must have one entry for each value of the Reason enum");

  public:
    std::uint64_t& operator[](Reason reason) { return counts_[index(reason)]; }
    std::uint64_t operator[](Reason reason) const { return counts_[index(reason)]; }

    // The reads dropped, for any reason.
    std::uint64_t total() const {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i)
            if (kReasons[i].unit == DropReason::Unit::Read) sum += counts_[i];
        return sum;
    }

    void add_to(DropCounts& counts) const {
        for (std::size_t i = 0; i < counts_.size(); ++i)
            counts[std::string(kReasons[i].name)] += counts_[i];
    }

    // A reader that outlives its decoder (a reconnect makes a new one) keeps the old counts.
    DropTally& operator+=(const DropTally& other) {
        for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
        return *this;
    }

  private:
    static constexpr std::size_t index(Reason reason) { return static_cast<std::size_t>(reason); }

    std::array<std::uint64_t, kReasons.size()> counts_{};
};

}  // namespace fabgate::readers
