// Fuzzes the event record codec (core/event_codec.hpp): the bytes every log read and `authd
// verify` decode. A damaged or hostile record must come back as kCorruptRecord, never a crash.
//
// Properties checked on every record that decodes:
//   - the reported body size leaves exactly the two 32-byte hashes after it;
//   - an event within the format's limits (FitsEncoding) survives encode -> decode unchanged, and
//     its encoding is a fixed point (the canonical form re-encodes to the same bytes), and the
//     re-encoded body is what the chain hash covers;
//   - its timestamp renders as RFC 3339 and, for years 0001-9999, parses back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/event_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authd::core;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::size_t body_size = 0;
  auto event = DecodeEvent(bytes, &body_size);
  if (!event) return 0;
  if (body_size + 64 != size) std::abort();

  const std::string rfc3339 = FormatRfc3339(event->at);
  constexpr Micros kYear1 = -62'135'596'800'000'000;      // 0001-01-01T00:00:00Z
  constexpr Micros kYear10000 = 253'402'300'800'000'000;  // 10000-01-01T00:00:00Z
  if (event->at >= kYear1 && event->at < kYear10000) {
    auto parsed = ParseRfc3339(rfc3339);
    if (!parsed || *parsed != event->at) std::abort();
  }

  if (!FitsEncoding(*event)) return 0;  // e.g. a double in data: the log never writes one
  const std::string encoded = EncodeEvent(*event);
  std::size_t again_body = 0;
  auto again = DecodeEvent(encoded, &again_body);
  if (!again || !(*again == *event)) std::abort();
  if (EncodeEvent(*again) != encoded) std::abort();
  if (EncodeEventBody(*again) != encoded.substr(0, again_body)) std::abort();
  return 0;
}
