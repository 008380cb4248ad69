// A fixed-bucket histogram cheap enough for hot paths: one relaxed atomic increment per bucket hit
// plus two for the count and sum. Readers take a snapshot (each field read atomically; the
// snapshot as a whole is not one instant, which is what a scrape tolerates).
//
//   core::FixedHistogram latency({0.001, 0.005, 0.01});  // upper bounds, ascending
//   latency.Observe(0.003);
//   core::HistogramSnapshot s = latency.Snapshot();       // s.counts[i]: observations <= bounds[i]
//
// Thread-safety: Observe and Snapshot may be called from any thread at any time.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace authd::core {

struct HistogramSnapshot {
  std::vector<double> bounds;         // bucket upper bounds, ascending (+Inf is implicit)
  std::vector<std::uint64_t> counts;  // cumulative: observations <= bounds[i]
  std::uint64_t count = 0;            // every observation (the +Inf bucket)
  double sum = 0;
};

class FixedHistogram {
 public:
  // `bounds` must be ascending; observations above the last one only count in +Inf.
  explicit FixedHistogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)),
        buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size())) {}

  void Observe(double value) noexcept {
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    if (it != bounds_.end()) {
      buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1,
                                                                         std::memory_order_relaxed);
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    // No fetch_add for double in C++20 atomics on GCC 12 without a CAS loop; a CAS loop on a
    // single writer thread (the event log's) never spins.
    double old = sum_.load(std::memory_order_relaxed);
    while (!sum_.compare_exchange_weak(old, old + value, std::memory_order_relaxed)) {
    }
  }

  [[nodiscard]] HistogramSnapshot Snapshot() const {
    HistogramSnapshot s;
    s.bounds = bounds_;
    s.counts.resize(bounds_.size());
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      running += buckets_[i].load(std::memory_order_relaxed);
      s.counts[i] = running;
    }
    // Read after the buckets: a concurrent Observe may make count a little larger than the last
    // bucket, never smaller (Prometheus wants +Inf >= every bucket).
    s.count = std::max(count_.load(std::memory_order_relaxed), running);
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

}  // namespace authd::core
