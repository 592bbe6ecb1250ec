// The access-list high-water mark's file: four lines of text, so an operator can read it.
#include "gate/acl_high_water.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sys/replace_file.hpp"

namespace fabgate {
namespace {

constexpr std::string_view kHeader = "fabgate acl high-water 1";

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

Result<std::int64_t> number_after(std::istream& in, std::string_view key, const std::string& path) {
    std::string line;
    std::getline(in, line);
    std::string prefix = std::string(key) + " ";
    if (line.rfind(prefix, 0) != 0) return fail(path, "has no '" + std::string(key) + "' line");
    const auto digits = line.substr(prefix.size());
    std::int64_t value = 0;
    std::size_t used = 0;
    try {
        value = std::stoll(digits, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (digits.empty() || used != digits.size() || value < 0)
        return fail(path, "'" + std::string(key) + "' is not a number");
    return value;
}

}  // namespace

std::string acl_high_water_path(const std::string& journal_path, const std::string& site,
                                const std::string& machine) {
    auto name = "acl-high-water." + site + "." + machine;
    return (std::filesystem::path(journal_path).parent_path() / name).string();
}

Result<std::optional<AclHighWater>> read_acl_high_water(const std::string& path,
                                                        const std::string& site,
                                                        const std::string& machine) {
    struct stat file {};
    if (::lstat(path.c_str(), &file) != 0) {
        if (errno == ENOENT) return std::optional<AclHighWater>();
        return fail(path, errno_text("cannot read"));
    }
    std::ifstream in(path);
    if (!in) return fail(path, "cannot be read");
    std::string header, for_gate;
    std::getline(in, header);
    std::getline(in, for_gate);
    if (header != kHeader) return fail(path, "is not an access-list high-water mark");
    if (for_gate != "gate " + site + "/" + machine)
        return fail(path, "is the mark of another gate ('" + for_gate + "')");
    AclHighWater mark;
    TRY_ASSIGN(mark.version, number_after(in, "version", path));
    TRY_ASSIGN(mark.issued_at, number_after(in, "issued_at", path));
    return std::optional<AclHighWater>(mark);
}

Status write_acl_high_water(const std::string& path, const std::string& site,
                            const std::string& machine, const AclHighWater& mark) {
    std::ostringstream text;
    text << kHeader << "\ngate " << site << "/" << machine << "\nversion " << mark.version
         << "\nissued_at " << mark.issued_at << "\n";
    return replace_file(path, text.str());
}

}  // namespace fabgate
