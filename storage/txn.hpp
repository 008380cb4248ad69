// The view a command's decision gets of the log while the writer builds a group commit.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace authd::storage {

class GroupBuilder;

// Valid only inside a DecideFn, on the writer thread. Every read sees the committed state plus
// everything earlier commands of the same group (and this one) wrote. If the decision returns an
// error, everything it wrote is rolled back and nothing of it is committed.
class Txn {
 public:
  explicit Txn(GroupBuilder& group) : group_(group) {}
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // Reads from a column family by name ("unique", "proj_users", ...).
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view family,
                                                       std::string_view key);
  // kInvalidArgument for an unknown family.
  [[nodiscard]] Result<void> Put(std::string_view family, std::string_view key,
                                 std::string_view value);
  [[nodiscard]] Result<void> Delete(std::string_view family, std::string_view key);

  // Appends an event. The log assigns seq, version, at and the chain hashes; inline projections
  // apply it at once, so later reads in this group see its effect. Returns the committed form.
  [[nodiscard]] Result<core::Event> Append(core::Event event);

  // Creates and stores (wrapped by the master key) a fresh data key for `subject`.
  [[nodiscard]] Result<core::Key256> CreateDataKey(std::string_view subject);
  // The subject's data key, or core::Errc::kKeyErased.
  [[nodiscard]] Result<core::Key256> DataKey(std::string_view subject);
  // Destroys the subject's data key when the group commits (crypto-shredding).
  void DestroyDataKey(std::string_view subject);

  // Commit time the group will carry (microseconds).
  [[nodiscard]] core::Micros Now() const;
  // The version the stream has now (0 when it has no events).
  [[nodiscard]] Result<std::uint64_t> StreamVersion(std::string_view stream);

 private:
  GroupBuilder& group_;
};

}  // namespace authd::storage
