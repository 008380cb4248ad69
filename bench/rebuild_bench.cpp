// Projection rebuild (what `authd rebuild` does) against its physical baseline, a raw RocksDB
// scan of the same `events` column family that decodes every record with core::DecodeEvent
// (docs/BENCHMARKS.md).
//
//   rebuild_bench [--events=N] [--quick] [--reps=N]
//
// Builds a log of N events (default 1,000,000; --quick 100,000) in a fresh data folder under
// $AUTHD_BENCH_DIR or /tmp through the real command path (bench/log_fill.hpp: fake password
// hashes, sync off while filling), then runs both measurements --reps times (default 3),
// alternating which goes first, and prints the medians as a Markdown table, last on stdout.
// Exit status 0 on success, 1 on any failure, 2 on bad usage.
#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/data_dir.hpp"
#include "bench/bench_dir.hpp"
#include "bench/cpu_time.hpp"
#include "bench/log_fill.hpp"
#include "bench/table_format.hpp"
#include "core/event_codec.hpp"

namespace authd::bench {
namespace {

struct Config {
  std::uint64_t events = 1'000'000;
  int reps = 3;
  bool quick = false;
};

std::uint64_t FolderBytes(const std::string& path) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    std::error_code size_ec;
    if (entry.is_regular_file(size_ec)) total += entry.file_size(size_ec);
  }
  return total;
}

std::unique_ptr<app::DataDir> Open(const std::string& path, bool sync, std::string& why) {
  auto dir =
      app::OpenDataDir(path, {.read_only = false, .create_master_key = true, .sync = sync}, why);
  if (!dir) return nullptr;
  return std::move(*dir);
}

// One `authd rebuild`: every projection dropped and rebuilt from the whole log, one after the
// other, on a freshly opened data folder. Opening is not timed. Returns seconds per projection.
bool TimeAuthdRebuild(const std::string& path, std::map<std::string, double>& seconds,
                      std::string& why) {
  auto dir = Open(path, true, why);  // `authd rebuild` opens with the default, sync on
  if (!dir) return false;
  for (auto* projection : dir->log->Projections()) {
    const std::string name(projection->Name());
    const double start = WallSeconds();
    auto rebuilt = dir->log->Rebuild(name);
    seconds[name] = WallSeconds() - start;
    if (!rebuilt) {
      why = "rebuild " + name + ": " + rebuilt.error().message();
      return false;
    }
  }
  return true;
}

// The physical baseline: open the same RocksDB read-only (every family, as it must), then one
// iterator over `events` from the first key to the last, decoding each record. Opening is not
// timed. Returns the seconds of the scan and the records decoded.
bool TimeRawScan(const std::string& db_path, double& seconds, std::uint64_t& records,
                 std::string& why) {
  std::vector<std::string> names;
  auto s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), db_path, &names);
  if (!s.ok()) {
    why = "ListColumnFamilies: " + s.ToString();
    return false;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& n : names)
    families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), db_path, families, &handles, &raw);
  if (!s.ok()) {
    why = "OpenForReadOnly: " + s.ToString();
    return false;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* events = nullptr;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "events") events = handles[i];
  }
  bool ok = events != nullptr;
  if (!ok) why = "no events family";
  std::uint64_t checksum = 0;
  records = 0;
  const double start = WallSeconds();
  if (ok) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto event = core::DecodeEvent(it->value().ToStringView());
      if (!event) {
        why = "a record does not decode";
        ok = false;
        break;
      }
      checksum += event->seq + event->type.size();  // keeps the decode observable
      ++records;
    }
    if (ok && !it->status().ok()) {
      why = "iterator: " + it->status().ToString();
      ok = false;
    }
  }
  seconds = WallSeconds() - start;
  for (auto* h : handles)
    (void)db->DestroyColumnFamilyHandle(h);
  if (ok && checksum == 0 && records != 0) {
    why = "every decoded record was empty";
    ok = false;
  }
  return ok;
}

Config ParseArgs(int argc, char** argv, bool& usage_error) {
  Config config;
  bool events_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg.starts_with("--events=")) {
      config.events = std::strtoull(argv[i] + std::strlen("--events="), nullptr, 10);
      events_given = true;
    } else if (arg.starts_with("--reps=")) {
      config.reps = std::atoi(argv[i] + std::strlen("--reps="));
    } else {
      std::cerr << "rebuild_bench: unknown option " << arg
                << "\nusage: rebuild_bench [--events=N] [--quick] [--reps=N]\n";
      usage_error = true;
    }
  }
  if (config.quick && !events_given) config.events = 100'000;
  if (config.events == 0 || config.reps <= 0) {
    std::cerr << "rebuild_bench: --events and --reps must be positive\n";
    usage_error = true;
  }
  return config;
}

int Run(const Config& config) {
  BenchDir folder("authd-rebuild-bench");
  const std::string data = folder.Sub("data");
  const std::string db_path = (std::filesystem::path(data) / "log").string();
  std::cout << "rebuild_bench: " << Thousands(static_cast<double>(config.events)) << " events"
            << (config.quick ? " (--quick)" : "") << ", " << config.reps
            << " repetitions; data folder " << data << "; load average (1/5/15 min) "
            << LoadAverage() << std::endl;

  // Fill.
  std::string why;
  std::uint64_t head = 0;
  double fill_seconds = 0;
  FillCounts counts;
  {
    auto dir = Open(data, false, why);  // sync off while filling: only the fill is faster
    if (!dir) {
      std::cerr << "rebuild_bench: cannot open " << data << ": " << why << "\n";
      return 1;
    }
    LogFiller filler(*dir);
    const double start = WallSeconds();
    why = filler.FillMixed(config.events);
    dir->log->Close();
    fill_seconds = WallSeconds() - start;
    if (!why.empty()) {
      std::cerr << "rebuild_bench: fill failed: " << why << "\n";
      return 1;
    }
    head = dir->log->Head();
    counts = filler.counts();
  }
  const auto log_bytes = FolderBytes(db_path);
  std::cout << "filled " << Thousands(static_cast<double>(head)) << " events in "
            << Fixed(fill_seconds, 1) << " s ("
            << Thousands(static_cast<double>(head) / fill_seconds)
            << " events/s, sync off): " << Describe(counts) << "; log folder "
            << Fixed(static_cast<double>(log_bytes) / (1024.0 * 1024.0), 1) << " MiB" << std::endl;

  // Measure, alternating the order so a slow spell of the shared machine hits both.
  std::vector<double> authd_rates;
  std::vector<double> raw_rates;
  std::map<std::string, std::vector<double>> projection_rates;
  const auto events = static_cast<double>(head);
  for (int rep = 0; rep < config.reps; ++rep) {
    for (int step = 0; step < 2; ++step) {
      const bool authd_now = (step == 0) == (rep % 2 == 0);
      if (authd_now) {
        std::map<std::string, double> seconds;
        if (!TimeAuthdRebuild(data, seconds, why)) {
          std::cerr << "rebuild_bench: " << why << "\n";
          return 1;
        }
        double total = 0;
        std::cout << "rep " << rep + 1 << " authd rebuild:";
        for (const auto& [name, s] : seconds) {
          total += s;
          projection_rates[name].push_back(events / s);
          std::cout << " " << name << " " << Fixed(s, 2) << " s";
        }
        authd_rates.push_back(events / total);
        std::cout << "; all " << Fixed(total, 2) << " s = " << Thousands(events / total)
                  << " events/s" << std::endl;
      } else {
        double seconds = 0;
        std::uint64_t records = 0;
        if (!TimeRawScan(db_path, seconds, records, why)) {
          std::cerr << "rebuild_bench: raw scan: " << why << "\n";
          return 1;
        }
        if (records != head) {
          std::cerr << "rebuild_bench: raw scan saw " << records << " records, head is " << head
                    << "\n";
          return 1;
        }
        raw_rates.push_back(events / seconds);
        std::cout << "rep " << rep + 1 << " raw scan+decode: " << Fixed(seconds, 2)
                  << " s = " << Thousands(events / seconds) << " events/s" << std::endl;
      }
    }
  }

  const double authd = Median(authd_rates);
  const double raw = Median(raw_rates);
  std::cout
      << "\nPer projection (median events/s of one rebuild pass; ratio to raw scan+decode):\n\n"
      << "| projection | rebuild events/s | ratio to raw |\n|---|---:|---:|\n";
  for (const auto& [name, rates] : projection_rates) {
    const double rate = Median(rates);
    std::cout << "| " << name << " | " << Thousands(rate) << " | " << Fixed(rate / raw, 2)
              << " |\n";
  }
  std::cout << "\nload average at the end (1/5/15 min): " << LoadAverage() << "\n\n";
  std::cout << "| events | fill time (s, sync off) | authd rebuild events/s (all "
            << projection_rates.size()
            << " projections) | raw scan+decode events/s | ratio authd/raw |\n"
            << "|---:|---:|---:|---:|---:|\n"
            << "| " << Thousands(events) << " | " << Fixed(fill_seconds, 1) << " | "
            << Thousands(authd) << " | " << Thousands(raw) << " | **" << Fixed(authd / raw, 3)
            << "** |\n";
  return 0;
}

}  // namespace
}  // namespace authd::bench

int main(int argc, char** argv) {
  bool usage_error = false;
  const auto config = authd::bench::ParseArgs(argc, argv, usage_error);
  if (usage_error) return 2;
  try {
    return authd::bench::Run(config);
  } catch (const std::exception& e) {
    std::cerr << "rebuild_bench: " << e.what() << "\n";
    return 1;
  }
}
