// Sizes of the group commits the EventLog writer achieves, seen from outside storage/ through a
// commit listener (one call per committed group).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace authd::bench {

// Record() is called on the writer thread, Summarize() from any thread (relaxed counts: read it
// once the commits of interest are acknowledged).
class GroupStats {
 public:
  void Record(std::size_t events) {
    by_size_[std::min(events, by_size_.size() - 1)].fetch_add(1, std::memory_order_relaxed);
  }
  struct Summary {
    std::uint64_t commits = 0;
    std::uint64_t events = 0;
    std::size_t p50 = 0;  // median group size, over groups
    std::size_t max = 0;
  };
  [[nodiscard]] Summary Summarize() const {
    Summary s;
    for (std::size_t size = 0; size < by_size_.size(); ++size) {
      const auto n = by_size_[size].load(std::memory_order_relaxed);
      s.commits += n;
      s.events += n * size;
      if (n > 0) s.max = size;
    }
    std::uint64_t seen = 0;
    for (std::size_t size = 0; size < by_size_.size(); ++size) {
      seen += by_size_[size].load(std::memory_order_relaxed);
      if (2 * seen >= s.commits) {
        s.p50 = size;
        break;
      }
    }
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, 4097> by_size_{};  // last bucket: 4096 and more
};

}  // namespace authd::bench
