// `fabledger --generate-signing-key FILE`: the secret key is created 0600 and an existing file
// is never overwritten, since every gate trusts the public half of the key already there.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ledger_test_support.hpp"
#include "sys/acl_signature.hpp"

using namespace fabgate;

using fabgate::test::TempDir;

namespace {

std::string contents(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("a new signing key file is 0600 and signs what its public half verifies") {
    TempDir dir;
    auto path = dir.file("acl-signing.key");
    auto pair = acl_signature::generate_keypair().value();
    REQUIRE(acl_signature::write_secret_key_file(path, pair.secret_key));
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    AccessList list;
    list.site = "lab";
    list.machine = "laser-1";
    list.version = 3;
    std::string hex;
    std::istringstream(contents(path)) >> hex;
    auto signature = acl_signature::sign_hex(list, hex).value();
    CHECK(acl_signature::verify_payload(encode(list, signature.hex, signature.key_id),
                                        acl_signature::to_hex(pair.public_key)));
}

TEST_CASE("an existing key, an empty file or a symlink at the path is never overwritten") {
    TempDir dir;
    auto first = acl_signature::generate_keypair().value();
    auto second = acl_signature::generate_keypair().value();

    auto path = dir.file("acl-signing.key");
    REQUIRE(acl_signature::write_secret_key_file(path, first.secret_key));
    auto before = contents(path);
    auto again = acl_signature::write_secret_key_file(path, second.secret_key);
    REQUIRE_FALSE(again);
    CHECK(again.error().message().find("refusing to overwrite") != std::string::npos);
    CHECK(contents(path) == before);

    auto empty = dir.file("empty.key");
    std::ofstream(empty).close();
    CHECK_FALSE(acl_signature::write_secret_key_file(empty, second.secret_key));
    CHECK(contents(empty).empty());

    // A dangling symlink is not followed: nothing is created where it points.
    auto target = dir.file("elsewhere.key");
    auto link = dir.file("link.key");
    REQUIRE(symlink(target.c_str(), link.c_str()) == 0);
    CHECK_FALSE(acl_signature::write_secret_key_file(link, second.secret_key));
    CHECK_FALSE(std::filesystem::exists(target));
}
