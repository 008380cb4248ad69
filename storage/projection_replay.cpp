#include "storage/projection_replay.hpp"

#include <rocksdb/write_batch.h>

#include <optional>
#include <unordered_map>

#include "core/event_codec.hpp"
#include "storage/error.hpp"
#include "storage/keys.hpp"

namespace authd::storage {
namespace {

constexpr std::size_t kChunk = 10'000;

std::string CheckpointKey(std::string_view name) {
  std::string key(kMetaCheckpointPrefix);
  key.append(name);
  return key;
}

// A replay's view of one family: the chunk's writes held in memory over the database, so only the
// last write of each key reaches RocksDB. A WriteBatchWithIndex (the writer's choice, where groups
// are small) would carry every intermediate write into the memtable: a role counter that 10,000
// events update is one put here, not 10,000 (docs/BENCHMARKS.md, rebuild_bench: a rebuild
// measured 0.012x a raw scan of the same events with the batch, and still well below it now).
class ChunkStore final : public ProjectionStore {
 public:
  ChunkStore(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* family) : db_(db), family_(family) {}

  Result<std::optional<std::string>> Get(std::string_view key) override {
    if (auto it = writes_.find(std::string(key)); it != writes_.end()) return it->second;
    std::string value;
    auto s =
        db_.Get(rocksdb::ReadOptions(), family_, rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromStatus(s);
    return std::optional<std::string>(std::move(value));
  }
  void Put(std::string_view key, std::string_view value) override {
    writes_.insert_or_assign(std::string(key), std::string(value));
  }
  void Delete(std::string_view key) override {
    writes_.insert_or_assign(std::string(key), std::nullopt);
  }

  // Moves the held writes into `batch`.
  Result<void> Drain(rocksdb::WriteBatch& batch) {
    for (const auto& [key, value] : writes_) {
      auto s = value ? batch.Put(family_, key, *value) : batch.Delete(family_, key);
      if (!s.ok()) return FromStatus(s);
    }
    writes_.clear();
    return {};
  }

 private:
  rocksdb::DB& db_;
  rocksdb::ColumnFamilyHandle* family_;
  std::unordered_map<std::string, std::optional<std::string>> writes_;
};

}  // namespace

std::pair<std::uint32_t, std::uint64_t> ReadCheckpoint(const Rocks& rocks, std::string_view name) {
  std::string value;
  auto s = const_cast<rocksdb::DB&>(rocks.db())
               .Get(rocksdb::ReadOptions(), rocks.Family(kMetaFamily), CheckpointKey(name), &value);
  if (!s.ok() || value.size() != 16) return {0, 0};
  const std::string_view v(value);
  return {static_cast<std::uint32_t>(ParseBigEndian(v.substr(0, 8))), ParseBigEndian(v.substr(8))};
}

Result<void> ClearProjection(Rocks& rocks, const ProjectionSlot& slot) {
  auto& db = rocks.db();
  // The checkpoint goes first, durably: a crash before the deletes below are written leaves a
  // projection without a checkpoint, which the next open rebuilds, never half a state that
  // claims to be current.
  rocksdb::WriteOptions synced;
  synced.sync = true;
  auto cs = db.Delete(synced, rocks.Family(kMetaFamily), CheckpointKey(slot.projection->Name()));
  if (!cs.ok()) return FromStatus(cs);
  // One range tombstone from the first key to the last, and the last key itself: a per-key
  // delete would put as many tombstones into the memtable as the projection has rows, and every
  // write of the rebuild that follows would search past them.
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), slot.family));
  it->SeekToFirst();
  if (!it->status().ok()) return FromStatus(it->status());
  if (!it->Valid()) return {};
  const std::string first = it->key().ToString();
  it->SeekToLast();
  if (!it->status().ok()) return FromStatus(it->status());
  if (!it->Valid()) return Errc::kCorruption;
  const std::string last = it->key().ToString();
  rocksdb::WriteBatch batch;
  auto ds = batch.DeleteRange(slot.family, first, last);
  if (ds.ok()) ds = batch.Delete(slot.family, last);
  if (!ds.ok()) return FromStatus(ds);
  auto s = db.Write(synced, &batch);
  if (!s.ok()) return FromStatus(s);
  // Rewrite the family's files without the cleared rows. RocksDB's row cache replays a cached row
  // without the range tombstones of its own table file (RocksDB issue 4122); with the rows gone
  // from every file no lookup can reach such an entry, and the cache is emptied as well.
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  s = db.CompactRange(compact, slot.family, nullptr, nullptr);
  if (!s.ok()) return FromStatus(s);
  rocks.DropCachedRows();
  return {};
}

Result<void> CatchUp(Rocks& rocks, const ProjectionSlot& slot, std::uint64_t head,
                     const Progress& progress) {
  auto [version, seq] = ReadCheckpoint(rocks, slot.projection->Name());
  if (version != slot.projection->Version() || seq > head) {
    if (auto cleared = ClearProjection(rocks, slot); !cleared) return cleared.error();
    seq = 0;
  } else if (seq == head) {
    return {};
  }

  auto& db = rocks.db();
  ChunkStore store(db, slot.family);
  std::size_t in_batch = 0;
  auto flush = [&](std::uint64_t upto) -> Result<void> {
    rocksdb::WriteBatch batch;
    if (auto drained = store.Drain(batch); !drained) return drained.error();
    std::string value;
    AppendBigEndian(value, slot.projection->Version());
    AppendBigEndian(value, upto);
    auto s = batch.Put(rocks.Family(kMetaFamily), CheckpointKey(slot.projection->Name()), value);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    if (s.ok()) s = db.Write(wo, &batch);
    if (!s.ok()) return FromStatus(s);
    in_batch = 0;
    if (progress) progress(upto, head);
    return {};
  };

  std::unique_ptr<rocksdb::Iterator> it(
      db.NewIterator(rocksdb::ReadOptions(), rocks.Family(kEventsFamily)));
  std::uint64_t last = seq;
  for (it->Seek(SeqKey(seq + 1)); it->Valid(); it->Next()) {
    auto event = core::DecodeEvent(it->value().ToStringView());
    if (!event) return Errc::kCorruption;
    if (event->seq > head) break;
    if (auto applied = slot.projection->Apply(*event, store); !applied) return applied.error();
    last = event->seq;
    if (++in_batch >= kChunk) {
      if (auto flushed = flush(last); !flushed) return flushed.error();
    }
  }
  if (!it->status().ok()) return FromStatus(it->status());
  return flush(last);
}

}  // namespace authd::storage
