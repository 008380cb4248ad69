#include "storage/txn.hpp"

#include "storage/group_builder.hpp"

namespace authd::storage {

Result<std::optional<std::string>> Txn::Get(std::string_view family, std::string_view key) {
  return group_.Get(family, key);
}

Result<void> Txn::Put(std::string_view family, std::string_view key, std::string_view value) {
  return group_.Put(family, key, value);
}

Result<void> Txn::Delete(std::string_view family, std::string_view key) {
  return group_.Delete(family, key);
}

Result<core::Event> Txn::Append(core::Event event) {
  return group_.Append(std::move(event));
}

Result<core::Key256> Txn::CreateDataKey(std::string_view subject) {
  return group_.CreateDataKey(subject);
}

Result<core::Key256> Txn::DataKey(std::string_view subject) {
  return group_.DataKey(subject);
}

void Txn::DestroyDataKey(std::string_view subject) {
  group_.DestroyDataKey(subject);
}

core::Micros Txn::Now() const {
  return group_.now();
}

Result<std::uint64_t> Txn::StreamVersion(std::string_view stream) {
  return group_.StreamVersion(stream);
}

}  // namespace authd::storage
