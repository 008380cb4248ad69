// A console reporter that also keeps every repetition's rate and counters, and at the end prints
// the comparison table of docs/BENCHMARKS.md: authd appends/s against raw synced RocksDB puts/s,
// per concurrency, as medians over the repetitions.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace authd::bench {

// Counter names shared by append_bench.cpp (which sets them) and the summary (which reads them).
inline constexpr const char* kEventsPerCommit = "events_per_commit";
inline constexpr const char* kGroupP50 = "group_p50";
inline constexpr const char* kGroupMax = "group_max";
inline constexpr const char* kEventBytes = "event_bytes";
inline constexpr const char* kWalBytesPerWrite = "wal_bytes_per_write";
inline constexpr const char* kWritesPerSync = "writes_per_fsync";
inline constexpr const char* kCommitsPerSecond = "commits_per_second";
inline constexpr const char* kFsyncsPerSecond = "fsyncs_per_second";
inline constexpr const char* kCpuUsPerWrite = "cpu_us_per_write";
inline constexpr const char* kWriterCpuUsPerEvent = "writer_cpu_us_per_event";
inline constexpr const char* kWriterBusy = "writer_busy";

// Not thread-safe; Google Benchmark calls reporters from its main thread only.
class SummaryReporter final : public benchmark::ConsoleReporter {
 public:
  // `authd_family` and `raw_family` name the two benchmark families the table compares.
  SummaryReporter(std::string authd_family, std::string raw_family)
      : authd_family_(std::move(authd_family)), raw_family_(std::move(raw_family)) {}

  void ReportRuns(const std::vector<Run>& runs) override;

  // Prints, in Markdown: every family's median rate per concurrency, then the authd/raw table and
  // the verdict on the goals (>= min_ratio x raw at every concurrency, >= min_scaling x the
  // single-producer rate at the highest concurrency).
  void PrintSummary(std::ostream& out, double min_ratio, double min_scaling) const;

 private:
  struct Cell {
    std::vector<double> rates;                            // items/s, one per repetition
    std::map<std::string, std::vector<double>> counters;  // one value per repetition
  };
  // Median of the cell's rates (0 when the cell is missing or empty).
  [[nodiscard]] double MedianRate(const std::string& family, int threads) const;
  // Median of a counter (-1 when missing).
  [[nodiscard]] double MedianCounter(const std::string& family, int threads,
                                     const std::string& counter) const;
  void PrintFamilies(std::ostream& out) const;

  std::string authd_family_;
  std::string raw_family_;
  std::map<std::pair<std::string, int>, Cell> cells_;
};

}  // namespace authd::bench
