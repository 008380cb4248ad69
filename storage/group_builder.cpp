#include "storage/group_builder.hpp"

#include <rocksdb/comparator.h>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/sealing.hpp"
#include "storage/error.hpp"
#include "storage/keys.hpp"

namespace authd::storage {
namespace {

rocksdb::Slice ToSlice(std::string_view s) {
  return {s.data(), s.size()};
}

std::string CheckpointValue(std::uint32_t version, std::uint64_t seq) {
  std::string v;
  AppendBigEndian(v, version);
  AppendBigEndian(v, seq);
  return v;
}

}  // namespace

std::optional<core::Key256> DataKeyCache::Find(std::string_view subject) const {
  std::lock_guard lock(mu_);
  auto it = keys_.find(std::string(subject));
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

void DataKeyCache::Put(std::string_view subject, const core::Key256& key) {
  std::lock_guard lock(mu_);
  // A crude bound: data keys are cheap to unwrap again, so forgetting all of them is fine.
  if (keys_.size() >= kMaxEntries) keys_.clear();
  keys_.insert_or_assign(std::string(subject), key);
}

void DataKeyCache::Erase(std::string_view subject) {
  std::lock_guard lock(mu_);
  keys_.erase(std::string(subject));
  ++generation_;
}

std::uint64_t DataKeyCache::Generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

void DataKeyCache::PutIfCurrent(std::string_view subject, const core::Key256& key,
                                std::uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation != generation_) return;
  if (keys_.size() >= kMaxEntries) keys_.clear();
  keys_.insert_or_assign(std::string(subject), key);
}

Result<core::Key256> LoadDataKey(const Rocks& rocks, const core::Key256& master,
                                 DataKeyCache& cache, std::string_view subject) {
  if (auto k = cache.Find(subject)) return *k;
  const std::uint64_t generation = cache.Generation();
  std::string wrapped;
  auto s = const_cast<rocksdb::DB&>(rocks.db())
               .Get(rocksdb::ReadOptions(), rocks.Family(kKeysFamily), ToSlice(subject), &wrapped);
  if (s.IsNotFound()) return core::Errc::kKeyErased;
  if (!s.ok()) return FromStatus(s);
  auto key = core::UnwrapKey(master, subject, wrapped);
  if (!key) return key.error();
  cache.PutIfCurrent(subject, *key, generation);
  return *key;
}

Result<std::optional<std::string>> BatchProjectionStore::Get(std::string_view key) {
  std::string value;
  auto s = batch_.GetFromBatchAndDB(&db_, rocksdb::ReadOptions(), family_, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromStatus(s);
  return std::optional<std::string>(std::move(value));
}

void BatchProjectionStore::Put(std::string_view key, std::string_view value) {
  auto s = batch_.Put(family_, ToSlice(key), ToSlice(value));
  (void)s;  // WriteBatch::Put fails only on size overflow (> 4 GiB).
}

void BatchProjectionStore::Delete(std::string_view key) {
  auto s = batch_.Delete(family_, ToSlice(key));
  (void)s;
}

GroupBuilder::GroupBuilder(Rocks& rocks, const core::Key256& master, DataKeyCache& keys,
                           const std::vector<ProjectionSlot>& projections, WriterState& state,
                           core::Micros now)
    : rocks_(rocks),
      master_(master),
      keys_(keys),
      projections_(projections),
      state_(state),
      now_(now),
      batch_(rocksdb::BytewiseComparator(), 0, /*overwrite_key=*/true),
      next_seq_(state.head_seq + 1),
      chain_(state.head_hash) {}

void GroupBuilder::BeginCommand() {
  batch_.SetSavePoint();
  mark_ = {next_seq_, chain_, command_events_.size()};
  failed_.reset();
  version_undo_.clear();
  key_undo_.clear();
  command_events_.clear();
}

std::vector<core::Event> GroupBuilder::EndCommand() {
  auto s = batch_.PopSavePoint();
  (void)s;
  return std::move(command_events_);
}

void GroupBuilder::AbortCommand() {
  auto s = batch_.RollbackToSavePoint();
  (void)s;  // A save point was set in BeginCommand, so this cannot fail.
  next_seq_ = mark_.next_seq;
  chain_ = mark_.chain;
  for (auto it = version_undo_.rbegin(); it != version_undo_.rend(); ++it) {
    if (it->second) {
      versions_[it->first] = *it->second;
    } else {
      versions_.erase(it->first);
    }
  }
  for (auto it = key_undo_.rbegin(); it != key_undo_.rend(); ++it) {
    if (it->second) {
      new_keys_[it->first] = *it->second;
    } else {
      new_keys_.erase(it->first);
    }
  }
  command_events_.clear();
}

Result<std::optional<std::string>> GroupBuilder::Get(std::string_view family,
                                                     std::string_view key) {
  auto* cf = rocks_.Family(family);
  if (cf == nullptr) return Errc::kInvalidArgument;
  std::string value;
  auto s = batch_.GetFromBatchAndDB(&rocks_.db(), rocksdb::ReadOptions(), cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromStatus(s);
  return std::optional<std::string>(std::move(value));
}

Result<void> GroupBuilder::Put(std::string_view family, std::string_view key,
                               std::string_view value) {
  auto* cf = rocks_.Family(family);
  if (cf == nullptr) return Errc::kInvalidArgument;
  auto s = batch_.Put(cf, ToSlice(key), ToSlice(value));
  if (!s.ok()) return FromStatus(s);
  return {};
}

Result<void> GroupBuilder::Delete(std::string_view family, std::string_view key) {
  auto* cf = rocks_.Family(family);
  if (cf == nullptr) return Errc::kInvalidArgument;
  auto s = batch_.Delete(cf, ToSlice(key));
  if (!s.ok()) return FromStatus(s);
  return {};
}

Result<std::uint64_t> GroupBuilder::CommittedStreamVersion(std::string_view stream) {
  const std::string name(stream);
  if (auto it = state_.stream_versions.find(name); it != state_.stream_versions.end()) {
    return it->second;
  }
  // The last entry of the stream in `streams`: seek to the end of its key range.
  std::unique_ptr<rocksdb::Iterator> it(
      rocks_.db().NewIterator(rocksdb::ReadOptions(), rocks_.Family(kStreamsFamily)));
  const std::string upper = StreamKey(stream, ~std::uint64_t{0});
  it->SeekForPrev(ToSlice(upper));
  std::uint64_t version = 0;
  if (it->Valid()) {
    auto key = it->key().ToStringView();
    if (key.size() == stream.size() + 9 && key.substr(0, stream.size()) == stream &&
        key[stream.size()] == '\0') {
      version = ParseBigEndian(key.substr(stream.size() + 1));
    }
  } else if (!it->status().ok()) {
    return FromStatus(it->status());
  }
  state_.stream_versions.emplace(name, version);
  return version;
}

Result<std::uint64_t> GroupBuilder::StreamVersion(std::string_view stream) {
  if (auto it = versions_.find(std::string(stream)); it != versions_.end()) return it->second;
  return CommittedStreamVersion(stream);
}

Result<core::Event> GroupBuilder::Append(core::Event event) {
  if (event.type.empty() || event.stream.empty() || event.stream.find('\0') != std::string::npos ||
      !core::FitsEncoding(event)) {
    return Errc::kInvalidArgument;
  }
  auto version = StreamVersion(event.stream);
  if (!version) return version.error();

  event.seq = next_seq_;
  event.version = *version + 1;
  event.at = now_;
  const std::string record = core::SealChain(event, chain_);

  for (const auto& slot : projections_) {
    BatchProjectionStore store(batch_, rocks_.db(), slot.family);
    auto applied = slot.projection->Apply(event, store);
    if (!applied) {
      // The projection may have written part of its change: the whole command must go, even if
      // its decision ignores this error and carries on.
      failed_ = applied.error();
      return applied.error();
    }
  }

  const std::string seq_key = SeqKey(event.seq);
  auto s = batch_.Put(rocks_.Family(kEventsFamily), seq_key, record);
  if (s.ok()) {
    s = batch_.Put(rocks_.Family(kStreamsFamily), StreamKey(event.stream, event.version), seq_key);
  }
  if (s.ok()) s = batch_.Put(rocks_.Family(kTypesFamily), TypeKey(event.type, event.seq), "");
  if (!s.ok()) return FromStatus(s);

  auto [it, inserted] = versions_.try_emplace(event.stream, event.version);
  version_undo_.emplace_back(event.stream,
                             inserted ? std::nullopt : std::optional<std::uint64_t>(it->second));
  it->second = event.version;
  ++next_seq_;
  chain_ = event.hash;
  command_events_.push_back(event);
  return event;
}

Result<core::Key256> GroupBuilder::CreateDataKey(std::string_view subject) {
  // Only where no key is stored at all: a key that exists but does not open (wrong master key,
  // damage) must never be replaced, or everything sealed under it is lost.
  if (auto it = new_keys_.find(std::string(subject)); it != new_keys_.end() && it->second) {
    return core::Errc::kConflict;
  }
  auto stored = Get(kKeysFamily, subject);
  if (!stored) return stored.error();
  if (*stored) return core::Errc::kConflict;
  auto key = core::Key256::Random();
  auto s = batch_.Put(rocks_.Family(kKeysFamily), ToSlice(subject),
                      core::WrapKey(master_, subject, key));
  if (!s.ok()) return FromStatus(s);
  auto [it, inserted] = new_keys_.try_emplace(std::string(subject), key);
  key_undo_.emplace_back(
      std::string(subject),
      inserted ? std::nullopt : std::optional<std::optional<core::Key256>>(it->second));
  it->second = key;
  return key;
}

Result<core::Key256> GroupBuilder::DataKey(std::string_view subject) {
  if (auto it = new_keys_.find(std::string(subject)); it != new_keys_.end()) {
    if (!it->second) return core::Errc::kKeyErased;
    return *it->second;
  }
  return LoadDataKey(rocks_, master_, keys_, subject);
}

void GroupBuilder::DestroyDataKey(std::string_view subject) {
  auto s = batch_.Delete(rocks_.Family(kKeysFamily), ToSlice(subject));
  (void)s;
  auto [it, inserted] = new_keys_.try_emplace(std::string(subject), std::nullopt);
  key_undo_.emplace_back(
      std::string(subject),
      inserted ? std::nullopt : std::optional<std::optional<core::Key256>>(it->second));
  it->second = std::nullopt;
}

rocksdb::WriteBatch* GroupBuilder::Finish() {
  std::string head = SeqKey(next_seq_ - 1);
  head.append(reinterpret_cast<const char*>(chain_.data()), chain_.size());
  auto* meta = rocks_.Family(kMetaFamily);
  auto s = batch_.Put(meta, ToSlice(kMetaHead), head);
  for (const auto& slot : projections_) {
    std::string key(kMetaCheckpointPrefix);
    key.append(slot.projection->Name());
    s = batch_.Put(meta, key, CheckpointValue(slot.projection->Version(), next_seq_ - 1));
  }
  (void)s;
  return batch_.GetWriteBatch();
}

void GroupBuilder::Committed() {
  state_.head_seq = next_seq_ - 1;
  state_.head_hash = chain_;
  state_.last_at = now_;
  // Bound the committed-version cache (~120 bytes an entry: ~4 MiB full); misses fall back to
  // one seek in `streams`, whose blocks the block cache usually holds.
  if (state_.stream_versions.size() > kMaxCachedStreamVersions) state_.stream_versions.clear();
  for (auto& [stream, version] : versions_)
    state_.stream_versions[stream] = version;
  for (auto& [subject, key] : new_keys_) {
    if (key) {
      keys_.Put(subject, *key);
    } else {
      keys_.Erase(subject);
    }
  }
}

std::vector<std::string> GroupBuilder::DestroyedSubjects() const {
  std::vector<std::string> out;
  for (const auto& [subject, key] : new_keys_) {
    if (!key) out.push_back(subject);
  }
  return out;
}

}  // namespace authd::storage
