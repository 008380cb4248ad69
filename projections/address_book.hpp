// Which client address each address pseudonym stands for, in memory only and bounded, so the
// security view can show admins and auditors real addresses (they may see them) while nothing
// stored holds one in clear. Forgotten on restart: older pseudonyms then show as pseudonyms.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace authd::projections {

// Thread-safe.
class AddressBook {
 public:
  // Entries kept; when full, the book starts over (cheap, and only the display suffers).
  explicit AddressBook(std::size_t capacity = 100'000) : capacity_(capacity) {}

  void Note(std::string_view pseudonym, std::string_view address) {
    std::lock_guard lock(mutex_);
    if (map_.size() >= capacity_ && !map_.contains(std::string(pseudonym))) map_.clear();
    map_.insert_or_assign(std::string(pseudonym), std::string(address));
  }

  // The address, or "" when unknown.
  [[nodiscard]] std::string Find(std::string_view pseudonym) const {
    std::lock_guard lock(mutex_);
    auto it = map_.find(std::string(pseudonym));
    return it == map_.end() ? std::string() : it->second;
  }

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> map_;
};

}  // namespace authd::projections
