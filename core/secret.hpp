// Byte strings that hold key material. Wiped on destruction; never printed.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace authd::core {

// A fixed-size key that zeroes itself when it dies. Copyable on purpose (keys are passed to
// worker threads by value), but every copy is wiped too.
template <std::size_t N>
class SecretKey {
 public:
  static constexpr std::size_t kSize = N;
  SecretKey() { bytes_.fill(0); }
  SecretKey(const SecretKey&) = default;
  SecretKey& operator=(const SecretKey&) = default;
  ~SecretKey() { sodium_memzero(bytes_.data(), bytes_.size()); }

  static SecretKey Random() {
    SecretKey k;
    randombytes_buf(k.bytes_.data(), k.bytes_.size());
    return k;
  }

  [[nodiscard]] std::span<const std::uint8_t, N> bytes() const { return bytes_; }
  [[nodiscard]] std::span<std::uint8_t, N> mutable_bytes() { return bytes_; }
  [[nodiscard]] const std::uint8_t* data() const { return bytes_.data(); }
  [[nodiscard]] std::uint8_t* data() { return bytes_.data(); }

 private:
  std::array<std::uint8_t, N> bytes_;
};

// 256-bit symmetric key: master key, per-subject data keys, keyed-hash keys.
using Key256 = SecretKey<32>;

// 256-bit digest (BLAKE2b-256) used for the hash chain and uniqueness keys.
using Digest = std::array<std::uint8_t, 32>;

}  // namespace authd::core
