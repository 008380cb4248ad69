// Opaque, time-ordered identifiers ("usr_01J9...", "ses_...", "req_...").
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.hpp"

namespace authd::core {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // Returns prefix + "_" + 26 Crockford base32 characters. Thread-safe.
  [[nodiscard]] virtual std::string Next(std::string_view prefix) = 0;
};

// ULID layout: 48 bits of milliseconds from the clock, then 80 random bits from the CSPRNG, so
// ids sort by creation time and cannot be guessed.
class RandomIdGenerator final : public IdGenerator {
 public:
  explicit RandomIdGenerator(const Clock& clock) : clock_(clock) {}
  [[nodiscard]] std::string Next(std::string_view prefix) override;

 private:
  const Clock& clock_;
};

// Deterministic ids for tests: prefix_0000...0001, prefix_0000...0002, ...
class SequentialIdGenerator final : public IdGenerator {
 public:
  [[nodiscard]] std::string Next(std::string_view prefix) override;

 private:
  std::atomic<std::uint64_t> next_{1};
};

}  // namespace authd::core
