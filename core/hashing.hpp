// BLAKE2b-based hashing: the event chain and keyed hashes for uniqueness keys.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace authd::core {

// The genesis prev_hash of the chain: 32 zero bytes.
inline constexpr Digest kGenesisHash{};

// BLAKE2b-256(prev || record).
[[nodiscard]] Digest ChainHash(const Digest& prev, std::string_view record);

// Keyed BLAKE2b-256 of "kind" || 0x00 || value. Used so the `unique` column family and
// login_failed events never hold a username or email in clear. `kind` is e.g. "username".
[[nodiscard]] Digest KeyedHash(const Key256& key, std::string_view kind, std::string_view value);

// Lower-case hex, for logs and JSON.
[[nodiscard]] std::string ToHex(std::span<const std::uint8_t> bytes);

// base64url without padding (libsodium sodium_bin2base64), and back. FromBase64Url returns false
// on malformed input.
[[nodiscard]] std::string ToBase64Url(std::span<const std::uint8_t> bytes);
[[nodiscard]] bool FromBase64Url(std::string_view text, std::string& out);

}  // namespace authd::core
