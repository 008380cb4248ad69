#include "core/utf8.hpp"

#include <cstdint>

namespace authd::core {

std::optional<char32_t> DecodeCodePoint(std::string_view text, std::size_t& pos) {
  const auto byte_at = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte_at(pos);
  if (lead < 0x80) {
    ++pos;
    return static_cast<char32_t>(lead);
  }
  // Table 3-7 of the Unicode standard: the allowed range of the second byte depends on the lead
  // byte, which is how overlongs (C0, C1, E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and values
  // above U+10FFFF (F4 90..BF, F5..FF) are excluded.
  std::size_t length = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xBF;
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    cp = lead & 0x1FU;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    cp = lead & 0x0FU;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    cp = lead & 0x07U;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return std::nullopt;
  }
  if (text.size() - pos < length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    const std::uint8_t b = byte_at(pos + i);
    const std::uint8_t lo = i == 1 ? second_min : std::uint8_t{0x80};
    const std::uint8_t hi = i == 1 ? second_max : std::uint8_t{0xBF};
    if (b < lo || b > hi) return std::nullopt;
    cp = (cp << 6) | (b & 0x3FU);
  }
  pos += length;
  return cp;
}

Utf8Scan ScanUtf8(std::string_view text) {
  Utf8Scan scan;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto cp = DecodeCodePoint(text, pos);
    if (!cp) return Utf8Scan{};
    if (IsControlCodePoint(*cp)) scan.has_control = true;
    ++scan.code_points;
  }
  scan.valid = true;
  return scan;
}

}  // namespace authd::core
