#include "storage/memory_store.hpp"

namespace authd::storage {

Result<std::optional<std::string>> MemoryProjectionStore::Get(std::string_view key) {
  auto it = data_.find(key);
  if (it == data_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

void MemoryProjectionStore::Put(std::string_view key, std::string_view value) {
  data_.insert_or_assign(std::string(key), std::string(value));
}

void MemoryProjectionStore::Delete(std::string_view key) {
  data_.erase(std::string(key));
}

}  // namespace authd::storage
