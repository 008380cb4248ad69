#include "core/ids.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

namespace authd::core {
namespace {

constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Encodes 128 bits (16 bytes) as 26 base32 characters, most significant first. The output holds
// 130 bits: two leading zero bits of padding.
std::string Encode128(const std::array<std::uint8_t, 16>& b) {
  std::string out(26, '0');
  auto bit = [&](int i) -> unsigned {  // bit i of the 130-bit value, 0 = most significant
    const int j = i - 2;
    if (j < 0) return 0;
    return (b[static_cast<std::size_t>(j / 8)] >> (7 - j % 8)) & 1U;
  };
  for (int c = 0; c < 26; ++c) {
    unsigned v = 0;
    for (int k = 0; k < 5; ++k)
      v = (v << 1) | bit(c * 5 + k);
    out[static_cast<std::size_t>(c)] = kCrockford[v];
  }
  return out;
}

// randombytes_buf costs a getrandom() system call each time; ids are made on every request (the
// request id), so each thread draws from the CSPRNG 64 ids' worth at a time.
void RandomBytes(std::uint8_t* out, std::size_t n) {
  thread_local std::array<std::uint8_t, 640> pool{};
  thread_local std::size_t used = pool.size();
  if (pool.size() - used < n) {
    randombytes_buf(pool.data(), pool.size());
    used = 0;
  }
  std::copy_n(pool.data() + used, n, out);
  used += n;
}

std::string Join(std::string_view prefix, const std::string& body) {
  std::string id;
  id.reserve(prefix.size() + 1 + body.size());
  id.append(prefix).append("_").append(body);
  return id;
}

}  // namespace

std::string RandomIdGenerator::Next(std::string_view prefix) {
  std::array<std::uint8_t, 16> b{};
  auto ms = static_cast<std::uint64_t>(clock_.NowMicros() / 1000);
  for (int i = 5; i >= 0; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ms & 0xFF);
    ms >>= 8;
  }
  RandomBytes(b.data() + 6, 10);
  return Join(prefix, Encode128(b));
}

std::string SequentialIdGenerator::Next(std::string_view prefix) {
  std::array<std::uint8_t, 16> b{};
  auto n = next_.fetch_add(1);
  for (int i = 15; i >= 8; --i) {
    b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(n & 0xFF);
    n >>= 8;
  }
  return Join(prefix, Encode128(b));
}

}  // namespace authd::core
