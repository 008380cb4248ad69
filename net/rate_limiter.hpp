// Per-client-address rate limits for signup and refresh: a token bucket per address, in memory.
// These limits protect capacity and slow account farming; they are not security state that must
// survive a restart, so unlike login throttling they are not in the event log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.hpp"

namespace authd::net {

struct RateLimit {
  // Requests an address may make at once. 0 turns the limit off.
  std::uint32_t burst = 0;
  // Time to earn back one request.
  core::Micros refill = 1'000'000;
};

// Thread-safe.
class RateLimiter {
 public:
  // `max_addresses` bounds memory: when that many addresses are tracked, the full buckets are
  // dropped (they hold nothing), and if none is full the oldest state is dropped.
  explicit RateLimiter(RateLimit limit, std::size_t max_addresses = 100'000)
      : limit_(limit), max_addresses_(max_addresses) {}

  // Takes one request for `address` at `now`. nullopt when allowed, else how long to wait.
  [[nodiscard]] std::optional<core::Micros> Take(std::string_view address, core::Micros now);

  [[nodiscard]] const RateLimit& limit() const { return limit_; }

 private:
  struct Bucket {
    double tokens = 0;
    core::Micros updated = 0;
  };
  void Refill(Bucket& b, core::Micros now) const;

  RateLimit limit_;
  std::size_t max_addresses_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace authd::net
