// Key encodings for the column families: big-endian integers so byte order is numeric order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace authd::storage {

inline void AppendBigEndian(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

[[nodiscard]] inline std::string SeqKey(std::uint64_t seq) {
  std::string k;
  AppendBigEndian(k, seq);
  return k;
}

// Returns 0 when the key is not 8 bytes.
[[nodiscard]] inline std::uint64_t ParseBigEndian(std::string_view k) {
  if (k.size() != 8) return 0;
  std::uint64_t v = 0;
  for (char c : k)
    v = (v << 8) | static_cast<std::uint8_t>(c);
  return v;
}

// `streams`: stream id || 0x00 || version.  Ids never contain NUL.
[[nodiscard]] inline std::string StreamKey(std::string_view stream, std::uint64_t version) {
  std::string k(stream);
  k.push_back('\0');
  AppendBigEndian(k, version);
  return k;
}

// `types`: type || 0x00 || seq.
[[nodiscard]] inline std::string TypeKey(std::string_view type, std::uint64_t seq) {
  std::string k(type);
  k.push_back('\0');
  AppendBigEndian(k, seq);
  return k;
}

// Column family names. Projection families are "proj_" + projection name.
inline constexpr std::string_view kEventsFamily = "events";
inline constexpr std::string_view kStreamsFamily = "streams";
inline constexpr std::string_view kTypesFamily = "types";
inline constexpr std::string_view kUniqueFamily = "unique";
inline constexpr std::string_view kKeysFamily = "keys";
inline constexpr std::string_view kMetaFamily = "meta";

// `meta` keys.
inline constexpr std::string_view kMetaHead = "head";                     // seq || hash
inline constexpr std::string_view kMetaFormat = "format";                 // "authd-log-1"
inline constexpr std::string_view kMetaCheckpointPrefix = "checkpoint/";  // + name: version||seq
inline constexpr std::string_view kMetaKeyCheck = "key_check";  // sealed under the master key
inline constexpr std::string_view kFormatValue = "authd-log-1";

}  // namespace authd::storage
