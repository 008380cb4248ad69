// Helpers shared by the benchmarks: a fresh data folder per run, and the bytes RocksDB wrote to
// its write-ahead log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace authd::bench {

// A fresh folder under $AUTHD_BENCH_DIR (default: the system temp folder, /tmp), removed with
// everything in it when the object dies. Throws std::runtime_error when it cannot be created.
// Not thread-safe; one per benchmark run.
class BenchDir {
 public:
  explicit BenchDir(std::string_view prefix);
  ~BenchDir();
  BenchDir(const BenchDir&) = delete;
  BenchDir& operator=(const BenchDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // A path inside the folder (not created).
  [[nodiscard]] std::string Sub(std::string_view name) const;

 private:
  std::string path_;
};

// Total size of the RocksDB write-ahead log files (`*.log`) directly in `db_path`; 0 when none.
// Valid as "WAL bytes written" only while no WAL file has been recycled or deleted, which holds
// for runs that never flush a memtable (every run here is far below the 64 MiB write buffer).
[[nodiscard]] std::uint64_t WalBytes(const std::string& db_path);

}  // namespace authd::bench
