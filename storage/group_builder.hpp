// Builds one group commit on the writer thread: a WriteBatchWithIndex that every command of the
// group decides against, with per-command rollback. Internal to storage/.
#pragma once

#include <rocksdb/utilities/write_batch_with_index.h>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "storage/projection.hpp"
#include "storage/rocks.hpp"

namespace authd::storage {

// Committed data keys, shared by the writer and readers. Thread-safe.
class DataKeyCache {
 public:
  [[nodiscard]] std::optional<core::Key256> Find(std::string_view subject) const;
  // Read before loading a key from disk; PutIfCurrent then refuses to cache what was loaded if a
  // key was erased meanwhile (else a reader racing a deletion could bring a dead key back).
  [[nodiscard]] std::uint64_t Generation() const;
  void PutIfCurrent(std::string_view subject, const core::Key256& key, std::uint64_t generation);
  void Put(std::string_view subject, const core::Key256& key);
  void Erase(std::string_view subject);

 private:
  static constexpr std::size_t kMaxEntries = 100'000;
  mutable std::mutex mu_;
  std::unordered_map<std::string, core::Key256> keys_;
  std::uint64_t generation_ = 0;  // bumped by every Erase
};

// Reads and unwraps a committed data key: the cache, then the `keys` family.
[[nodiscard]] Result<core::Key256> LoadDataKey(const Rocks& rocks, const core::Key256& master,
                                               DataKeyCache& cache, std::string_view subject);

struct ProjectionSlot {
  InlineProjection* projection = nullptr;
  rocksdb::ColumnFamilyHandle* family = nullptr;
};

// Streams whose committed version the writer remembers; beyond it the cache starts over.
inline constexpr std::size_t kMaxCachedStreamVersions = 32'768;

// What the writer knows as committed. Owned by the writer thread.
struct WriterState {
  std::uint64_t head_seq = 0;
  core::Digest head_hash{};
  core::Micros last_at = 0;
  std::unordered_map<std::string, std::uint64_t> stream_versions;  // cache, bounded by the writer
};

// A projection's view of one family through the batch (read-your-own-writes).
class BatchProjectionStore final : public ProjectionStore {
 public:
  BatchProjectionStore(rocksdb::WriteBatchWithIndex& batch, rocksdb::DB& db,
                       rocksdb::ColumnFamilyHandle* family)
      : batch_(batch), db_(db), family_(family) {}
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view key) override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;

 private:
  rocksdb::WriteBatchWithIndex& batch_;
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* family_;
};

class GroupBuilder {
 public:
  GroupBuilder(Rocks& rocks, const core::Key256& master, DataKeyCache& keys,
               const std::vector<ProjectionSlot>& projections, WriterState& state,
               core::Micros now);

  void BeginCommand();
  // Keeps what the command wrote; returns the events it appended.
  [[nodiscard]] std::vector<core::Event> EndCommand();
  // Rolls back everything the current command wrote.
  void AbortCommand();
  // Set when something the command did cannot be kept whatever its decision says (a projection
  // refused one of its events).
  [[nodiscard]] const std::optional<ErrorCode>& failed() const { return failed_; }

  [[nodiscard]] bool HasEvents() const { return next_seq_ != state_.head_seq + 1; }
  // Adds the chain head and the projections' checkpoints; returns the batch to write.
  [[nodiscard]] rocksdb::WriteBatch* Finish();
  // After a successful write: updates the committed state and caches.
  void Committed();

  // Used by Txn.
  [[nodiscard]] Result<std::optional<std::string>> Get(std::string_view family,
                                                       std::string_view key);
  [[nodiscard]] Result<void> Put(std::string_view family, std::string_view key,
                                 std::string_view value);
  [[nodiscard]] Result<void> Delete(std::string_view family, std::string_view key);
  [[nodiscard]] Result<core::Event> Append(core::Event event);
  [[nodiscard]] Result<core::Key256> CreateDataKey(std::string_view subject);
  [[nodiscard]] Result<core::Key256> DataKey(std::string_view subject);
  void DestroyDataKey(std::string_view subject);
  [[nodiscard]] core::Micros now() const { return now_; }
  [[nodiscard]] Result<std::uint64_t> StreamVersion(std::string_view stream);

  // Subjects whose keys this group destroyed (for compaction after commit).
  [[nodiscard]] std::vector<std::string> DestroyedSubjects() const;

 private:
  [[nodiscard]] Result<std::uint64_t> CommittedStreamVersion(std::string_view stream);

  Rocks& rocks_;
  const core::Key256& master_;
  DataKeyCache& keys_;
  const std::vector<ProjectionSlot>& projections_;
  WriterState& state_;
  core::Micros now_;
  rocksdb::WriteBatchWithIndex batch_;

  std::uint64_t next_seq_;
  core::Digest chain_;
  std::unordered_map<std::string, std::uint64_t> versions_;                // pending
  std::unordered_map<std::string, std::optional<core::Key256>> new_keys_;  // nullopt = destroyed

  // Undo information for the current command.
  struct Mark {
    std::uint64_t next_seq;
    core::Digest chain;
    std::size_t events;
  };
  Mark mark_{};
  std::vector<std::pair<std::string, std::optional<std::uint64_t>>> version_undo_;
  std::vector<std::pair<std::string, std::optional<std::optional<core::Key256>>>> key_undo_;
  std::vector<core::Event> command_events_;
  std::optional<ErrorCode> failed_;
};

}  // namespace authd::storage
