// The RocksDB database behind the event log: open with every column family, handle lookup.
// Internal to storage/; nothing outside storage includes RocksDB headers.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace authd::storage {

class Rocks {
 public:
  // Opens `path` with the fixed families plus `extra_families` (projection families).
  [[nodiscard]] static Result<std::unique_ptr<Rocks>> Open(const std::string& path,
                                                           bool create_if_missing, bool read_only,
                                                           const std::vector<std::string>& extra);
  ~Rocks();
  Rocks(const Rocks&) = delete;
  Rocks& operator=(const Rocks&) = delete;

  [[nodiscard]] rocksdb::DB& db() { return *db_; }
  [[nodiscard]] const rocksdb::DB& db() const { return *db_; }
  // nullptr when the family does not exist.
  [[nodiscard]] rocksdb::ColumnFamilyHandle* Family(std::string_view name) const;
  [[nodiscard]] bool read_only() const { return read_only_; }
  [[nodiscard]] const std::vector<rocksdb::ColumnFamilyHandle*>& AllFamilies() const {
    return handles_;
  }

  // Merges a family's table files smaller than `small_bytes` once it has more than `max_small` of
  // them. Forced flushes (key erasure) make such files, and in a family keyed by sequence they
  // never overlap older files, so RocksDB would move them down one by one and never merge them.
  void MergeSmallTables(std::uint64_t small_bytes, std::size_t max_small);

  // Empties the row cache (point reads of rows in table files, storage/rocks.cpp). Its entries
  // outlive the table file they came from until evicted; erasure drops them, so a destroyed
  // data key's wrapped bytes do not stay in it.
  void DropCachedRows();

 private:
  Rocks() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<rocksdb::Cache> row_cache_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*, std::less<>> by_name_;
  bool read_only_ = false;
};

}  // namespace authd::storage
