// Small helpers for the security catalogue (security_catalogue_*_test.cpp, listed with their
// OWASP ASVS 4.0.3 ids in docs/SECURITY.md): raw HTTP exchanges for the request-smuggling and
// header cases, and direct access to a stopped server's RocksDB folder for the tamper cases.
#pragma once

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tests/integration/api_client.hpp"

namespace authd::test {

// Everything the server sent for `request` (raw bytes) until it closed the connection, or until
// the timeout passed. Empty when nothing came.
inline std::string RawExchange(std::uint16_t port, std::string_view request,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  TestClient client(port, timeout);
  if (!client.connected()) return {};
  client.WriteRaw(request);  // the server may answer and close before reading everything
  auto got = client.ReadUntilClosed();
  return got ? *got : std::string();
}

// The status code of the first response in raw bytes ("HTTP/1.1 400 Bad Request" -> 400), or 0.
inline unsigned FirstStatus(std::string_view raw) {
  if (raw.size() < 12 || !raw.starts_with("HTTP/1.")) return 0;
  return static_cast<unsigned>(std::atoi(std::string(raw.substr(9, 3)).c_str()));
}

// How many responses (status lines) the raw bytes hold.
inline int ResponseCount(std::string_view raw) {
  int n = 0;
  for (std::size_t at = raw.find("HTTP/1."); at != std::string_view::npos;
       at = raw.find("HTTP/1.", at + 1)) {
    if (at == 0 || raw.substr(at - 2, 2) == "\r\n") ++n;
  }
  return n;
}

// The RocksDB database of a stopped server's data folder, opened directly (no authd code), with
// its column families by name: for tests that rewrite stored bytes behind authd's back.
class RawLog {
 public:
  explicit RawLog(const std::string& data_dir) {
    const std::string path = data_dir + "/log";
    std::vector<std::string> families;
    rocksdb::Options options;
    if (!rocksdb::DB::ListColumnFamilies(options, path, &families).ok()) return;
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const auto& f : families)
      descriptors.emplace_back(f, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    if (!rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok()) return;
    db_.reset(db);
    for (auto* h : handles)
      families_[h->GetName()] = h;
  }
  ~RawLog() {
    for (auto& [name, h] : families_) {
      auto s = db_->DestroyColumnFamilyHandle(h);
      (void)s;
    }
  }
  RawLog(const RawLog&) = delete;
  RawLog& operator=(const RawLog&) = delete;

  [[nodiscard]] bool ok() const { return db_ != nullptr; }
  [[nodiscard]] rocksdb::DB& db() { return *db_; }
  [[nodiscard]] rocksdb::ColumnFamilyHandle* family(const std::string& name) {
    auto it = families_.find(name);
    return it == families_.end() ? nullptr : it->second;
  }

  // The key of event `seq` in the `events` family (u64 big-endian).
  static std::string EventKey(std::uint64_t seq) {
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i, seq >>= 8)
      key[static_cast<std::size_t>(i)] = static_cast<char>(seq & 0xff);
    return key;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> families_;
};

}  // namespace authd::test
