// The one canonical byte encoding of an event record (format 1), stable across versions.
//
//   u8  format (=1)
//   u64 seq | str8 type | u32 schema | str8 stream | u64 version | i64 at
//   str8 actor | str8 request_id | str32 data (canonical JSON) | str8 subject
//   u16 n_sealed, then n x (str8 field | str32 blob), fields in byte order
//   32 prev_hash | 32 hash
//
// Integers are big-endian; strN is an N-bit big-endian length then the bytes. Canonical JSON has
// object keys sorted by bytes, no whitespace, integers only. The chain hash covers
// prev_hash || every byte before prev_hash (the "body").
#pragma once

#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/result.hpp"

namespace authd::core {

inline constexpr std::uint8_t kEventFormat = 1;

// Limits of format 1. Short fields (type, stream, actor, request_id, subject, sealed field names)
// hold at most kMaxShortField bytes; an event has at most kMaxSealedFields sealed fields; `data`
// nests at most kMaxDataDepth levels (the data object itself is level 1) and every string and
// key in it is valid UTF-8. The log refuses events outside these limits, so everything it stores
// decodes.
inline constexpr std::size_t kMaxShortField = 0xFFFF;
inline constexpr std::size_t kMaxSealedFields = 0xFFFF;
inline constexpr std::size_t kMaxDataDepth = 16;

// True when the event fits the limits above.
[[nodiscard]] bool FitsEncoding(const Event& e);

// The bytes hashed into the chain: the encoding up to (not including) prev_hash.
[[nodiscard]] std::string EncodeEventBody(const Event& e);

// Full record: body || prev_hash || hash.
[[nodiscard]] std::string EncodeEvent(const Event& e);

// Errc::kCorruptRecord on any malformed input (truncation, trailing bytes, bad JSON, bad format).
// `body_size`, when given, receives the length of the hashed body within `bytes`.
[[nodiscard]] Result<Event> DecodeEvent(std::string_view bytes, std::size_t* body_size = nullptr);

// Serializes JSON with object keys sorted bytewise, recursively; no whitespace.
[[nodiscard]] std::string CanonicalJson(const boost::json::value& v);

// Sets e.prev_hash = prev and e.hash = ChainHash(prev, body). Returns the full record.
[[nodiscard]] std::string SealChain(Event& e, const Digest& prev);

}  // namespace authd::core
