// Strict UTF-8 decoding for input validation (RFC 3629). Pure functions, no allocation.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace authd::core {

// Decodes the code point that starts at text[pos] and advances pos past it. Returns nullopt (pos
// unchanged) on invalid UTF-8: a stray continuation byte, a truncated sequence, an overlong
// encoding, a UTF-16 surrogate (U+D800..U+DFFF) or a value above U+10FFFF.
// Precondition: pos < text.size().
[[nodiscard]] std::optional<char32_t> DecodeCodePoint(std::string_view text, std::size_t& pos);

// C0 controls (U+0000..U+001F), DEL (U+007F) and C1 controls (U+0080..U+009F).
[[nodiscard]] constexpr bool IsControlCodePoint(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

struct Utf8Scan {
  bool valid = false;        // the whole text is valid UTF-8
  bool has_control = false;  // some code point is a control character (only meaningful if valid)
  std::size_t code_points = 0;
};

// Validates the whole text and counts its code points.
[[nodiscard]] Utf8Scan ScanUtf8(std::string_view text);

}  // namespace authd::core
