// Direct RocksDB access to a closed log's folder, for tests that tamper with the stored bytes or
// build databases that are not authd logs. Only storage_test links RocksDB for this.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authd::storage::test_support {

class RawDb {
 public:
  // Opens every column family on disk; `create` makes a new database (default family only).
  explicit RawDb(const std::string& path, bool create = false) {
    rocksdb::Options options;
    options.create_if_missing = create;
    std::vector<std::string> names;
    if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok()) {
      names = {rocksdb::kDefaultColumnFamilyName};
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& n : names)
      descriptors.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    const auto s = rocksdb::DB::Open(options, path, descriptors, &handles_, &raw);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(raw);
  }
  ~RawDb() {
    if (!db_) return;
    for (auto* h : handles_)
      (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  [[nodiscard]] bool ok() const { return db_ != nullptr; }

  rocksdb::ColumnFamilyHandle* Family(std::string_view name) {
    for (auto* h : handles_) {
      if (h->GetName() == name) return h;
    }
    rocksdb::ColumnFamilyHandle* created = nullptr;
    const auto s =
        db_->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), std::string(name), &created);
    EXPECT_TRUE(s.ok()) << s.ToString();
    handles_.push_back(created);
    return created;
  }

  [[nodiscard]] std::optional<std::string> Get(std::string_view family, std::string_view key) {
    std::string value;
    const auto s = db_->Get(rocksdb::ReadOptions(), Family(family), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    EXPECT_TRUE(s.ok()) << s.ToString();
    return value;
  }
  void Put(std::string_view family, std::string_view key, std::string_view value) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const auto s = db_->Put(wo, Family(family), key, value);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Writes every family's memtable to a table file.
  void FlushAll() {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    const auto s = db_->Flush(fo, handles_);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  void Delete(std::string_view family, std::string_view key) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const auto s = db_->Delete(wo, Family(family), key);
    EXPECT_TRUE(s.ok()) << s.ToString();
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace authd::storage::test_support
