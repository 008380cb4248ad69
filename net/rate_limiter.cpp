#include "net/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace authd::net {

void RateLimiter::Refill(Bucket& b, core::Micros now) const {
  if (now > b.updated) {
    b.tokens = std::min<double>(limit_.burst, b.tokens + static_cast<double>(now - b.updated) /
                                                             static_cast<double>(limit_.refill));
    b.updated = now;
  }
}

std::optional<core::Micros> RateLimiter::Take(std::string_view address, core::Micros now) {
  if (limit_.burst == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(address));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) {
      std::erase_if(buckets_, [&](const auto& kv) {
        Bucket b = kv.second;
        Refill(b, now);
        return b.tokens >= limit_.burst;
      });
      // Every tracked address is busy: forget them all rather than grow without bound (an
      // attacker with that many addresses is not stopped by a per-address limit anyway).
      if (buckets_.size() >= max_addresses_) buckets_.clear();
    }
    it = buckets_.emplace(std::string(address), Bucket{static_cast<double>(limit_.burst), now})
             .first;
  }
  Bucket& b = it->second;
  Refill(b, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return static_cast<core::Micros>(
      std::ceil((1.0 - b.tokens) * static_cast<double>(limit_.refill)));
}

}  // namespace authd::net
