#include "storage/rocks.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "storage/error.hpp"
#include "storage/keys.hpp"
#include "storage/rocks_messages.hpp"

namespace authd::storage {
namespace {

// RocksDB's memory (docs/STORAGE.md, "Memory"): a memtable is flushed at kFamilyWriteBuffer, or
// the largest one when all families together reach kWriteBufferBudget.
constexpr std::size_t kFamilyWriteBuffer = std::size_t{16} << 20;
constexpr std::size_t kWriteBufferBudget = std::size_t{32} << 20;
constexpr std::size_t kBlockCacheBytes = std::size_t{32} << 20;
constexpr std::size_t kRowCacheBytes = std::size_t{8} << 20;

std::mutex sink_mu;
std::shared_ptr<const RocksDbMessageSink> sink;  // guarded by sink_mu

// RocksDB's info log, handed to the process's sink instead of the LOG file in the data folder
// (storage/rocks_messages.hpp says why). Only warnings and worse.
class MessageLogger final : public rocksdb::Logger {
 public:
  MessageLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    std::shared_ptr<const RocksDbMessageSink> to;
    {
      std::lock_guard lock(sink_mu);
      to = sink;
    }
    if (!to || !*to) return;
    char line[1024];
    const int n = std::vsnprintf(line, sizeof line, format, ap);
    if (n > 0)
      (*to)(std::string_view(line, std::min(static_cast<std::size_t>(n), sizeof line - 1)));
  }
};

rocksdb::Options BaseOptions(bool create_if_missing, std::shared_ptr<rocksdb::Cache> row_cache) {
  rocksdb::Options o;
  o.info_log = std::make_shared<MessageLogger>();
  o.create_if_missing = create_if_missing;
  o.create_missing_column_families = true;
  // An acknowledged event was fsynced, so only an unacknowledged tail record can be torn by a
  // crash: tolerate that, refuse to open on corruption anywhere else (docs/STORAGE.md).
  o.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  o.paranoid_checks = true;
  o.max_background_jobs = 2;
  o.keep_log_file_num = 4;
  o.max_open_files = 512;
  // One memtable budget for all families together. RocksDB's default is 64 MiB per family with
  // no total, so a dozen families could hold ~800 MiB before the first flush.
  o.db_write_buffer_size = kWriteBufferBudget;
  // Point reads of rows in table files (a session and a user on every authenticated request)
  // are answered from here without seeking an index and a data block. Keys carry the table
  // file, so a newer write is never shadowed by a cached row.
  o.row_cache = std::move(row_cache);
  return o;
}

rocksdb::ColumnFamilyOptions FamilyOptions(std::string_view name,
                                           const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  o.write_buffer_size = kFamilyWriteBuffer;
  rocksdb::BlockBasedTableOptions t;
  // One block cache for every family, holding the index and filter blocks too: otherwise each
  // family gets its own 8 MiB cache and every open table file keeps its index outside any bound.
  t.block_cache = cache;
  t.cache_index_and_filter_blocks = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  // Events are appended in key order and read in ranges: larger blocks compress and scan better.
  if (name == kEventsFamily) t.block_size = 32 * 1024;
  // Every other family is read by key: a lookup skips the table files that cannot hold the key.
  if (name != kEventsFamily) t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  return o;
}

// Opens a database read-only and tells whether every family is empty.
Result<bool> AllFamiliesEmpty(const std::string& path, const std::vector<std::string>& names) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names)
    descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw);
  if (!s.ok()) return FromStatus(s);
  std::unique_ptr<rocksdb::DB> db(raw);
  bool empty = true;
  for (auto* h : handles) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), h));
    it->SeekToFirst();
    if (it->Valid()) empty = false;
  }
  for (auto* h : handles) {
    auto d = db->DestroyColumnFamilyHandle(h);
    (void)d;
  }
  return empty;
}

}  // namespace

void SetRocksDbMessageSink(RocksDbMessageSink to) {
  auto shared = std::make_shared<const RocksDbMessageSink>(std::move(to));
  std::lock_guard lock(sink_mu);
  sink = std::move(shared);
}

Result<std::unique_ptr<Rocks>> Rocks::Open(const std::string& path, bool create_if_missing,
                                           bool read_only, const std::vector<std::string>& extra) {
  std::error_code fs_ec;
  const bool exists = std::filesystem::exists(std::filesystem::path(path) / "CURRENT", fs_ec);
  if (!exists && (read_only || !create_if_missing)) return Errc::kNotFound;
  // RocksDB reports a missing folder as an error in its log before creating it; make it first.
  if (!exists) std::filesystem::create_directories(path, fs_ec);

  std::vector<std::string> names = {std::string(rocksdb::kDefaultColumnFamilyName),
                                    std::string(kEventsFamily),
                                    std::string(kStreamsFamily),
                                    std::string(kTypesFamily),
                                    std::string(kUniqueFamily),
                                    std::string(kKeysFamily),
                                    std::string(kMetaFamily)};
  names.insert(names.end(), extra.begin(), extra.end());
  if (exists) {
    // Keep families that exist on disk but are unknown to this build (RocksDB requires opening
    // them all); they are simply never used.
    std::vector<std::string> on_disk;
    auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &on_disk);
    if (!s.ok()) return FromStatus(s);
    if (std::find(on_disk.begin(), on_disk.end(), std::string(kMetaFamily)) == on_disk.end()) {
      // Not (yet) an authd log: take it over only if it holds nothing at all.
      auto empty = AllFamiliesEmpty(path, on_disk);
      if (!empty) return empty.error();
      if (!*empty) return Errc::kInvalidArgument;
    }
    for (const auto& n : on_disk) {
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
    }
  }

  const auto cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const auto& n : names)
    descriptors.emplace_back(n, FamilyOptions(n, cache));

  auto rocks = std::unique_ptr<Rocks>(new Rocks());
  rocks->read_only_ = read_only;
  rocksdb::DB* raw = nullptr;
  // No row cache for a read-only open: with RocksDB 7.8 the second Get of a key from a table
  // file there comes back NotFound from the row cache (authd verify read its checkpoints as
  // missing; storage_test's ReadOnlyOpenReadsARowTwice).
  if (!read_only) rocks->row_cache_ = rocksdb::NewLRUCache(kRowCacheBytes);
  const auto options = BaseOptions(create_if_missing, rocks->row_cache_);
  rocksdb::Status s;
  if (read_only) {
    s = rocksdb::DB::OpenForReadOnly(options, path, descriptors, &rocks->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(options, path, descriptors, &rocks->handles_, &raw);
  }
  if (!s.ok()) return FromStatus(s);
  rocks->db_.reset(raw);
  for (auto* h : rocks->handles_)
    rocks->by_name_.emplace(h->GetName(), h);
  return rocks;
}

void Rocks::DropCachedRows() {
  if (row_cache_) row_cache_->EraseUnRefEntries();
}

Rocks::~Rocks() {
  if (!db_) return;
  for (auto* h : handles_) {
    auto s = db_->DestroyColumnFamilyHandle(h);
    (void)s;  // Nothing useful to do with a failure while shutting down.
  }
  auto s = db_->Close();
  (void)s;
}

void Rocks::MergeSmallTables(std::uint64_t small_bytes, std::size_t max_small) {
  for (auto* family : handles_) {
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(family, &meta);
    std::size_t small = 0;
    std::string first;
    std::string last;
    for (const auto& level : meta.levels) {
      for (const auto& file : level.files) {
        if (file.size >= small_bytes) continue;
        if (small == 0 || file.smallestkey < first) first = file.smallestkey;
        if (small == 0 || file.largestkey > last) last = file.largestkey;
        ++small;
      }
    }
    if (small <= max_small) continue;
    // The small files of a sequence-keyed family sit together at its tail, so this rewrites
    // little besides them. Forcing the bottommost level is what makes RocksDB merge rather than
    // move them.
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
    const rocksdb::Slice begin(first);
    const rocksdb::Slice end(last);
    auto s = db_->CompactRange(options, family, &begin, &end);
    (void)s;  // Best effort: the files stay readable either way, and the next erasure retries.
  }
}

rocksdb::ColumnFamilyHandle* Rocks::Family(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace authd::storage
