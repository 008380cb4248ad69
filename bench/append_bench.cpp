// Durable appends/s through the EventLog against the physical baseline, raw synced RocksDB puts,
// at 1, 8 and 64 concurrent closed-loop producers (docs/BENCHMARKS.md).
//
//   append_bench [--quick] [--diagnose] [--reps=N] [--min-time=SECONDS] [--benchmark_...]
//
// --quick (or AUTHD_BENCH_QUICK=1): ~30 s instead of ~2 min (5 repetitions of >= 2 s per cell).
// --diagnose adds the same loops with sync off, which measure the CPU ceiling of the writer and of
// RocksDB. Every run (every repetition and every iteration-count probe) opens a fresh database in a
// fresh temp folder under $AUTHD_BENCH_DIR or /tmp, and removes it.
#include <benchmark/benchmark.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <latch>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_dir.hpp"
#include "bench/cpu_time.hpp"
#include "bench/group_stats.hpp"
#include "bench/summary_reporter.hpp"
#include "core/clock.hpp"
#include "core/secret.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_table.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"

namespace authd::bench {
namespace {

constexpr const char* kAuthdFamily = "authd_role_change";
constexpr const char* kRawFamily = "raw_synced_put";
// A well-formed PHC string; never verified, so no argon2id runs anywhere in the benchmark.
constexpr std::string_view kFakePasswordHash =
    "$argon2id$v=19$m=19456,t=2,p=1$YmVuY2gtc2FsdA$YmVuY2gtaGFzaC1ub3QtYS1yZWFsLWhhc2gtYXQtYWxs";

core::Key256 BenchMasterKey() {
  core::Key256 key;
  auto bytes = key.mutable_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(0xa0 + i);
  return key;
}

projections::Origin BenchOrigin() {
  return {.actor = "usr_bench_admin",
          .request_id = "req_bench",
          .ip = "198.51.100.23",
          .user_agent = "authd-bench/1 (closed loop)"};
}

// One authd run: a fresh log with one user per producer, signed up before the clock starts.
struct AuthdRun {
  AuthdRun(bool sync, int producers) {
    const core::Key256 master = BenchMasterKey();
    commands =
        std::make_unique<projections::UserCommands>(projections::DeriveKey(master, "unique-index"));
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<projections::UserTable>());
    storage::LogOptions options;
    options.path = dir.Sub("log");
    options.sync = sync;
    auto opened = storage::EventLog::Open(options, master, clock, std::move(projections));
    if (!opened) {
      error = "EventLog::Open: " + opened.error().message();
      return;
    }
    log = std::move(*opened);

    // All signups in flight at once: one or a few group commits, not one fsync per user.
    std::latch signed_up(producers);
    std::atomic<int> failures{0};
    for (int i = 0; i < producers; ++i) {
      const std::string name = "bench" + std::to_string(i);
      users.push_back("usr_" + name);
      log->Submit(commands->SignUp({.id = users.back(),
                                    .username = name,
                                    .email = name + "@example.com",
                                    .display_name = "Bench " + std::to_string(i),
                                    .password_hash = std::string(kFakePasswordHash),
                                    .roles = {"user"}},
                                   BenchOrigin()),
                  [&](Result<storage::Committed> r) {
                    if (!r) failures.fetch_add(1);
                    signed_up.count_down();
                  });
    }
    signed_up.wait();
    if (failures.load() != 0) {
      error = "SignUp failed";
      return;
    }
    (void)log->Subscribe([stats = &groups](const std::shared_ptr<const storage::Committed>& c) {
      stats->Record(c->size());
    });
    // A refused decision runs on the writer thread and writes nothing: it tells us the writer's
    // CPU clock, so the writer's own CPU time per event can be measured from outside storage/.
    (void)log->Execute([this](storage::Txn&) -> Result<void> {
      has_writer_clock = CurrentThreadCpuClock(writer_clock);
      return storage::Errc::kInvalidArgument;
    });
    wal_start = WalBytes(options.path);
    if (has_writer_clock) writer_cpu_start = ThreadCpuSeconds(writer_clock);
    cpu_start = ProcessCpuSeconds();
    wall_start = WallSeconds();
  }

  BenchDir dir{"authd-bench"};
  core::SystemClock clock;
  GroupStats groups;
  std::unique_ptr<projections::UserCommands> commands;
  std::unique_ptr<storage::EventLog> log;  // declared last among what it uses: closed first
  std::vector<std::string> users;
  std::uint64_t wal_start = 0;
  clockid_t writer_clock{};
  bool has_writer_clock = false;
  double writer_cpu_start = 0;
  double cpu_start = 0;
  double wall_start = 0;
  std::string error;
};

// One raw RocksDB run: a fresh default-options database, WAL on, statistics on for fsync counts.
struct RawRun {
  explicit RawRun(bool sync) {
    const char* env = std::getenv("AUTHD_BENCH_RAW_VALUE_BYTES");
    const long bytes = env != nullptr ? std::atol(env) : 300;
    value.resize(static_cast<std::size_t>(bytes > 0 ? bytes : 300));
    for (std::size_t i = 0; i < value.size(); ++i) {
      value[i] = static_cast<char>('a' + (i * 7919 + i / 26) % 26);
    }
    rocksdb::Options options;
    options.create_if_missing = true;
    options.statistics = stats = rocksdb::CreateDBStatistics();
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(options, dir.Sub("db"), &raw);
    if (!s.ok()) {
      error = "DB::Open: " + s.ToString();
      return;
    }
    db.reset(raw);
    write.sync = sync;
    stats->Reset();
    wal_start = WalBytes(dir.Sub("db"));
    cpu_start = ProcessCpuSeconds();
  }

  BenchDir dir{"authd-bench-raw"};
  std::shared_ptr<rocksdb::Statistics> stats;
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::WriteOptions write;
  std::string value;
  std::uint64_t wal_start = 0;
  double cpu_start = 0;
  std::string error;
};

// Google Benchmark's Setup/Teardown take plain function pointers: the run lives here. Setup and
// Teardown run on the main thread while no benchmark thread exists; the threads start after
// Setup and are joined before Teardown.
std::unique_ptr<AuthdRun> g_authd;
std::unique_ptr<RawRun> g_raw;
std::string g_setup_error;

template <bool kSync>
void SetupAuthd(const benchmark::State& state) {
  g_setup_error.clear();
  try {
    g_authd = std::make_unique<AuthdRun>(kSync, state.threads());
    g_setup_error = g_authd->error;
  } catch (const std::exception& e) {
    g_setup_error = e.what();
  }
}

void TeardownAuthd(const benchmark::State&) {
  g_authd.reset();
}

template <bool kSync>
void SetupRaw(const benchmark::State&) {
  g_setup_error.clear();
  try {
    g_raw = std::make_unique<RawRun>(kSync);
    g_setup_error = g_raw->error;
  } catch (const std::exception& e) {
    g_setup_error = e.what();
  }
}

void TeardownRaw(const benchmark::State&) {
  g_raw.reset();
}

// Each thread is one producer: submit a role change of its own user, wait for the durable
// acknowledgement, repeat. The role set alternates, so every command appends one event.
void BM_AuthdRoleChange(benchmark::State& state) {
  if (!g_setup_error.empty()) {
    state.SkipWithError(g_setup_error.c_str());
    for (auto _ : state) {
    }  // zero iterations after SkipWithError
    return;
  }
  AuthdRun& run = *g_authd;
  const std::string& user = run.users[static_cast<std::size_t>(state.thread_index())];
  const std::vector<std::string> plain = {"user"};
  const std::vector<std::string> elevated = {"auditor", "user"};
  bool up = false;
  for (auto _ : state) {
    up = !up;
    auto r =
        run.log->Execute(run.commands->ChangeRoles(user, up ? elevated : plain, BenchOrigin()));
    if (!r || r->size() != 1) {
      state.SkipWithError(r ? "role change appended no event" : "role change failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() != 0) return;
  // Every thread has passed the loop's closing barrier: all appends are acknowledged.
  const auto groups = run.groups.Summarize();
  if (groups.commits == 0) return;
  const double events = static_cast<double>(groups.events);
  const double cpu = ProcessCpuSeconds() - run.cpu_start;
  state.counters[kCpuUsPerWrite] = cpu * 1e6 / events;
  if (run.has_writer_clock) {
    const double writer_cpu = ThreadCpuSeconds(run.writer_clock) - run.writer_cpu_start;
    state.counters[kWriterCpuUsPerEvent] = writer_cpu * 1e6 / events;
    state.counters[kWriterBusy] = writer_cpu / (WallSeconds() - run.wall_start);
  }
  state.counters[kCommitsPerSecond] =
      benchmark::Counter(static_cast<double>(groups.commits), benchmark::Counter::kIsRate);
  state.counters[kEventsPerCommit] = events / static_cast<double>(groups.commits);
  state.counters[kGroupP50] = static_cast<double>(groups.p50);
  state.counters[kGroupMax] = static_cast<double>(groups.max);
  const auto wal = WalBytes(run.dir.Sub("log")) - run.wal_start;
  state.counters[kWalBytesPerWrite] = static_cast<double>(wal) / events;
  if (auto last = run.log->ReadRaw(run.log->Head()); last && *last) {
    state.counters[kEventBytes] = static_cast<double>((*last)->size());
  }
}

// Each thread: one synced Put of a fresh key (thread id, counter) and a ~300-byte value, repeat.
// Concurrent synced writers join RocksDB's own write group: one WAL fsync per group.
void BM_RawPut(benchmark::State& state) {
  if (!g_setup_error.empty()) {
    state.SkipWithError(g_setup_error.c_str());
    for (auto _ : state) {
    }  // zero iterations after SkipWithError
    return;
  }
  RawRun& run = *g_raw;
  std::array<char, 12> key{};
  const auto thread = static_cast<std::uint32_t>(state.thread_index());
  for (int i = 0; i < 4; ++i)
    key[static_cast<std::size_t>(i)] = static_cast<char>(thread >> (24 - 8 * i));
  std::uint64_t counter = 0;
  for (auto _ : state) {
    ++counter;
    for (int i = 0; i < 8; ++i) {
      key[static_cast<std::size_t>(4 + i)] = static_cast<char>(counter >> (56 - 8 * i));
    }
    auto s = run.db->Put(run.write, rocksdb::Slice(key.data(), key.size()), run.value);
    if (!s.ok()) {
      state.SkipWithError("Put failed");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() != 0) return;
  const auto writes = run.stats->getTickerCount(rocksdb::WRITE_DONE_BY_SELF) +
                      run.stats->getTickerCount(rocksdb::WRITE_DONE_BY_OTHER);
  const auto syncs = run.stats->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  if (writes == 0) return;
  state.counters[kCpuUsPerWrite] =
      (ProcessCpuSeconds() - run.cpu_start) * 1e6 / static_cast<double>(writes);
  if (syncs > 0) {
    state.counters[kFsyncsPerSecond] =
        benchmark::Counter(static_cast<double>(syncs), benchmark::Counter::kIsRate);
    state.counters[kWritesPerSync] = static_cast<double>(writes) / static_cast<double>(syncs);
  }
  const auto wal = WalBytes(run.dir.Sub("db")) - run.wal_start;
  state.counters[kWalBytesPerWrite] = static_cast<double>(wal) / static_cast<double>(writes);
}

struct Config {
  bool quick = false;
  bool diagnose = false;
  int reps = 0;         // 0: 5, or 3 with --quick
  double min_time = 0;  // 0: 2.0 s, or 0.5 s with --quick
};

// Takes this benchmark's own flags out of argv; Google Benchmark parses the rest.
Config ParseOwnFlags(int& argc, char** argv) {
  Config config;
  const char* env = std::getenv("AUTHD_BENCH_QUICK");
  config.quick = env != nullptr && *env != '\0' && std::string_view(env) != "0";
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg == "--diagnose") {
      config.diagnose = true;
    } else if (arg.starts_with("--reps=")) {
      config.reps = std::atoi(argv[i] + std::strlen("--reps="));
    } else if (arg.starts_with("--min-time=")) {
      config.min_time = std::atof(argv[i] + std::strlen("--min-time="));
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  if (config.reps <= 0) config.reps = config.quick ? 3 : 5;
  if (config.min_time <= 0) config.min_time = config.quick ? 0.5 : 2.0;
  return config;
}

void Register(const char* name, void (*fn)(benchmark::State&),
              void (*setup)(const benchmark::State&), void (*teardown)(const benchmark::State&),
              const Config& config) {
  benchmark::RegisterBenchmark(name, fn)
      ->Setup(setup)
      ->Teardown(teardown)
      ->Threads(1)
      ->Threads(8)
      ->Threads(64)
      ->UseRealTime()
      ->MinTime(config.min_time)
      ->Repetitions(config.reps);
}

}  // namespace
}  // namespace authd::bench

int main(int argc, char** argv) {
  using namespace authd::bench;  // NOLINT(google-build-using-namespace): main only
  const Config config = ParseOwnFlags(argc, argv);

  Register(kRawFamily, BM_RawPut, SetupRaw<true>, TeardownRaw, config);
  Register(kAuthdFamily, BM_AuthdRoleChange, SetupAuthd<true>, TeardownAuthd, config);
  if (config.diagnose) {
    Register("raw_put_nosync", BM_RawPut, SetupRaw<false>, TeardownRaw, config);
    Register("authd_role_change_nosync", BM_AuthdRoleChange, SetupAuthd<false>, TeardownAuthd,
             config);
  }

  // On a shared, noisy machine, interleave the repetitions of all cells at random so that a
  // slow spell hits authd and raw alike. A later --benchmark_enable_random_interleaving wins.
  std::vector<char*> args(argv, argv + argc);
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  args.insert(args.begin() + 1, interleave.data());
  int args_count = static_cast<int>(args.size());
  benchmark::Initialize(&args_count, args.data());
  if (benchmark::ReportUnrecognizedArguments(args_count, args.data())) return 1;

  std::cout << "append_bench: " << config.reps << " repetitions per cell, min time "
            << config.min_time << " s per repetition" << (config.quick ? " (--quick)" : "")
            << "; load average (1/5/15 min) " << LoadAverage() << "\n";
  SummaryReporter reporter(kAuthdFamily, kRawFamily);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.PrintSummary(std::cout, 0.8, 8.0);
  std::cout << "\nload average at the end (1/5/15 min): " << LoadAverage() << "\n";
  benchmark::Shutdown();
  return 0;
}
