#include "core/billing.hpp"

#include <algorithm>
#include <array>
#include <charconv>

namespace fabgate {

Result<ClosePlan> plan_close(std::span<const ClosedPeriod> closed, UnixMs period_end) {
    if (period_end <= 0) return fail("billing.period_end", "must be a time after 1970");
    ClosePlan plan;
    for (const auto& c : closed) {
        if (c.period_end == period_end) {
            plan.existing_batch = c.batch_id;
            plan.period_start = c.period_start;
            return plan;
        }
        plan.period_start = std::max(plan.period_start, c.period_end);
    }
    if (period_end < plan.period_start)
        return fail("billing.period_end",
                    "is before the end of the last closed period (" +
                        std::to_string(plan.period_start) +
                        "); late sessions of closed periods go to the next batch");
    return plan;
}

std::string format_minor(std::int64_t minor, int decimals) {
    std::string out;
    append_minor(out, minor, decimals);
    return out;
}

void append_minor(std::string& out, std::int64_t minor, int decimals) {
    bool negative = minor < 0;
    // Unsigned so that INT64_MIN does not overflow.
    std::uint64_t magnitude =
        negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, magnitude);
    (void)ec;  // 24 bytes hold any uint64
    auto length = static_cast<std::size_t>(end - digits);
    auto d = static_cast<std::size_t>(std::max(decimals, 0));
    if (negative) out.push_back('-');
    if (d == 0) {
        out.append(digits, length);
        return;
    }
    // 5 with two decimals: "0.05", zeros before the digits up to one whole digit.
    if (length <= d) {
        out.append("0.");
        out.append(d - length, '0');
        out.append(digits, length);
        return;
    }
    out.append(digits, length - d);
    out.push_back('.');
    out.append(digits + (length - d), d);
}

int currency_decimals(std::string_view currency) {
    // ISO 4217 table A.1; funds codes (CLF, UYI, UYW...) left out: nobody pays a lab in them.
    // Before schema 15 only the first eight were known; ledgers holding tariffs in any of the
    // others keep 2 for it (schema.hpp, kSchemaCurrencyDecimalsKept).
    static constexpr std::array<std::string_view, 16> kNoMinor{
        "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "PYG",
        "BIF", "DJF", "GNF", "KMF", "RWF", "UGX", "VUV", "XPF"};
    static constexpr std::array<std::string_view, 7> kThousandths{"BHD", "IQD", "JOD", "KWD",
                                                                  "LYD", "OMR", "TND"};
    auto in = [&](const auto& list) {
        return std::find(list.begin(), list.end(), currency) != list.end();
    };
    return in(kNoMinor) ? 0 : in(kThousandths) ? 3 : 2;
}

int currency_decimals(std::string_view currency, const KeptDecimals& kept) {
    auto found = kept.find(currency);
    return found != kept.end() ? found->second : currency_decimals(currency);
}

namespace {

// "-12.50", "-3": a spreadsheet reads a plain number as a number, never as a formula.
bool is_plain_number(std::string_view text) {
    if (!text.empty() && text.front() == '-') text.remove_prefix(1);
    auto dot = text.find('.');
    auto digits = [](std::string_view part) {
        return !part.empty() &&
               std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (dot == std::string_view::npos) return digits(text);
    return digits(text.substr(0, dot)) && digits(text.substr(dot + 1));
}

bool starts_formula(char c) {
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

}  // namespace

std::string csv_field(std::string_view text) {
    std::string out;
    append_csv_field(out, text);
    return out;
}

void append_csv_field(std::string& out, std::string_view text) {
    // OWASP's rule against CSV injection: a cell a spreadsheet would evaluate as a formula
    // (= + - @, or a tab or CR before one) gets a leading apostrophe, so it is shown as text.
    bool neutralise = !text.empty() && starts_formula(text.front()) && !is_plain_number(text);
    // One pass over the cell (find_first_of tries each of the four characters at every
    // position): the export writes five cells a session.
    bool quote = std::any_of(text.begin(), text.end(),
                             [](char c) { return c == ',' || c == '"' || c == '\r' || c == '\n'; });
    if (quote) out.push_back('"');
    if (neutralise) out.push_back('\'');
    if (!quote) {
        out.append(text);
        return;
    }
    for (char c : text) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
}

}  // namespace fabgate
