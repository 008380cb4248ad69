// EventLog's reads: events by sequence, stream and type, projection rows, data keys, and what
// RocksDB holds in memory. Any thread; none waits for the writer.
#include <rocksdb/db.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_codec.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"
#include "storage/event_log_impl.hpp"
#include "storage/keys.hpp"
#include "storage/projection_replay.hpp"

namespace authd::storage {

using detail::ToSlice;

Result<void> EventLog::ScanRaw(
    std::uint64_t after, const std::function<bool(std::uint64_t, std::string_view)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      impl_->rocks->db().NewIterator(rocksdb::ReadOptions(), impl_->rocks->Family(kEventsFamily)));
  for (it->Seek(SeqKey(after + 1)); it->Valid(); it->Next()) {
    if (!fn(ParseBigEndian(it->key().ToStringView()), it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return FromStatus(it->status());
  return {};
}

Result<std::vector<core::Event>> EventLog::ReadRange(std::uint64_t after, std::size_t limit) const {
  std::vector<core::Event> out;
  Result<void> failure;
  auto scanned = ScanRaw(after, [&](std::uint64_t, std::string_view bytes) {
    if (out.size() >= limit) return false;
    auto e = core::DecodeEvent(bytes);
    if (!e) {
      failure = e.error();
      return false;
    }
    out.push_back(std::move(*e));
    return true;
  });
  if (!scanned) return scanned.error();
  if (!failure) return failure.error();
  return out;
}

Result<std::optional<std::string>> EventLog::ReadRaw(std::uint64_t seq) const {
  return Get(kEventsFamily, SeqKey(seq));
}

Result<std::optional<std::string>> EventLog::Get(std::string_view family,
                                                 std::string_view key) const {
  auto* cf = impl_->rocks->Family(family);
  if (cf == nullptr) return Errc::kInvalidArgument;
  std::string value;
  auto s = impl_->rocks->db().Get(rocksdb::ReadOptions(), cf, ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromStatus(s);
  return std::optional<std::string>(std::move(value));
}

Result<void> EventLog::Scan(
    std::string_view family, std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  auto* cf = impl_->rocks->Family(family);
  if (cf == nullptr) return Errc::kInvalidArgument;
  std::unique_ptr<rocksdb::Iterator> it(impl_->rocks->db().NewIterator(rocksdb::ReadOptions(), cf));
  it->Seek(ToSlice(start.empty() ? prefix : start));
  for (; it->Valid(); it->Next()) {
    auto key = it->key().ToStringView();
    if (key.substr(0, prefix.size()) != prefix) break;
    if (!fn(key, it->value().ToStringView())) break;
  }
  if (!it->status().ok()) return FromStatus(it->status());
  return {};
}

// Follows an index family (stream or type) whose keys are name || 0x00 || u64 and whose entries
// point at events; returns the events in key order.
static Result<std::vector<core::Event>> ReadIndexed(const EventLog& log, std::string_view family,
                                                    std::string_view name, std::uint64_t after,
                                                    std::size_t limit, bool value_is_seq) {
  std::string prefix(name);
  prefix.push_back('\0');
  std::string start = prefix;
  AppendBigEndian(start, after + 1);
  std::vector<std::uint64_t> seqs;
  auto scanned = log.Scan(family, prefix, start, [&](std::string_view key, std::string_view value) {
    if (seqs.size() >= limit) return false;
    seqs.push_back(value_is_seq ? ParseBigEndian(value)
                                : ParseBigEndian(key.substr(prefix.size())));
    return true;
  });
  if (!scanned) return scanned.error();
  std::vector<core::Event> out;
  out.reserve(seqs.size());
  for (auto seq : seqs) {
    auto raw = log.ReadRaw(seq);
    if (!raw) return raw.error();
    if (!*raw) return Errc::kCorruption;  // an index entry without its event
    auto e = core::DecodeEvent(**raw);
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<core::Event>> EventLog::ReadStream(std::string_view stream,
                                                      std::uint64_t after_version,
                                                      std::size_t limit) const {
  return ReadIndexed(*this, kStreamsFamily, stream, after_version, limit, true);
}

Result<std::vector<core::Event>> EventLog::ReadByType(std::string_view type, std::uint64_t after,
                                                      std::size_t limit) const {
  return ReadIndexed(*this, kTypesFamily, type, after, limit, false);
}

Result<core::Key256> EventLog::DataKey(std::string_view subject) const {
  return LoadDataKey(*impl_->rocks, impl_->master, impl_->keys, subject);
}

std::pair<std::uint32_t, std::uint64_t> EventLog::Checkpoint(std::string_view name) const {
  return ReadCheckpoint(*impl_->rocks, name);
}

std::uint64_t EventLog::Memory(MemoryKind kind) const {
  auto& db = impl_->rocks->db();
  std::uint64_t value = 0;
  bool ok = false;
  switch (kind) {
    // Every family shares one cache, so the first family's figure is the whole cache's.
    case MemoryKind::kBlockCache:
      ok = db.GetIntProperty(rocksdb::DB::Properties::kBlockCacheUsage, &value);
      break;
    case MemoryKind::kBlockCacheCapacity:
      ok = db.GetIntProperty(rocksdb::DB::Properties::kBlockCacheCapacity, &value);
      break;
    case MemoryKind::kMemtables:
      ok = db.GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &value);
      break;
    case MemoryKind::kTableReaders:
      ok = db.GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem, &value);
      break;
  }
  return ok ? value : 0;
}

}  // namespace authd::storage
