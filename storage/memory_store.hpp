// A projection store held in memory: rebuilds to compare with the stored state, and tests.
#pragma once

#include <map>
#include <string>

#include "storage/projection.hpp"

namespace authd::storage {

// Not thread-safe.
class MemoryProjectionStore final : public ProjectionStore {
 public:
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  [[nodiscard]] const std::map<std::string, std::string, std::less<>>& data() const {
    return data_;
  }

 private:
  std::map<std::string, std::string, std::less<>> data_;
};

}  // namespace authd::storage
