#pragma once
// A throwaway Ed25519 key, public on purpose: the fuzz targets trust it so that their signed seeds
// get past the signature check to what follows it, and tests/unit/sys/fuzz_seeds_test.cpp signs
// (and rewrites) those seeds with it. No ledger or gate ever holds it.
namespace fabgate::fuzz {

inline constexpr const char* kSeedPublicKeyHex =
    "797dc35af419465a7fab523bcbb779a4fe2ff101e4d829e46a4a559c771b0279";
// libsodium's layout: the 32-byte seed, then the public key.
inline constexpr const char* kSeedSecretKeyHex =
    "7952aefdeea63eeb6052fba03bb59996463108a2615522d780c3a0e55be0480e"
    "797dc35af419465a7fab523bcbb779a4fe2ff101e4d829e46a4a559c771b0279";

// A key whose secret nobody holds: nothing the fuzzer makes may ever verify against it.
inline constexpr const char* kUnknownPublicKeyHex =
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";

}  // namespace fabgate::fuzz
