// Resident memory of a real `authd serve` holding many users and live sessions, against the same
// server on a folder that holds only its admin, measured in the same run (docs/BENCHMARKS.md).
//
//   memory_bench [--users=N] [--sessions=M] [--quick] [--reps=R] [--touch=K] [--authd=PATH]
//
// Defaults: 1,000,000 users, 100,000 live sessions (--quick: 100,000 and 10,000), 3 server starts
// per folder, K = 10,000 single-user GETs (--quick 2,000), PATH = ../app/authd beside this
// binary's folder. The folders are filled in-process through the real command path
// (bench/log_fill.hpp: fake password hashes, sync off) with app/data_dir.cpp, so `authd serve`
// opens them as its own. Only the server pids this program started are ever signalled.
// Prints the Markdown table last on stdout; exit status 0 on success, 1 on failure, 2 on usage.
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/data_dir.hpp"
#include "bench/bench_dir.hpp"
#include "bench/cpu_time.hpp"
#include "bench/log_fill.hpp"
#include "bench/server_process.hpp"
#include "bench/table_format.hpp"
#include "core/password_hash.hpp"
#include "tests/client/test_client.hpp"

namespace authd::bench {
namespace {

// The admin signs in over HTTP, so its hash is a real argon2id one, made with the cheap
// parameters the servers are started with (one hash, a few ms).
constexpr std::string_view kAdminName = "benchadmin";
constexpr std::string_view kAdminPassword = "memory-bench-admin-password";
// Shaped like the server's ULID ids ("usr_" + 26 Crockford base32 characters).
const std::string kAdminId = "usr_7" + std::string(25, 'Z');
const std::vector<std::string> kServeFlags = {"--argon2-memory-kib", "8192", "--argon2-iterations",
                                              "1"};

struct Config {
  std::uint64_t users = 1'000'000;
  std::uint64_t sessions = 100'000;
  int reps = 3;
  std::uint64_t touch = 10'000;
  std::string authd;
  bool quick = false;
};

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::unique_ptr<app::DataDir> Open(const std::string& path, std::string& why) {
  // sync off: only the fill is faster; the server reopens the folder with its own default.
  auto dir =
      app::OpenDataDir(path, {.read_only = false, .create_master_key = true, .sync = false}, why);
  if (!dir) return nullptr;
  return std::move(*dir);
}

std::string AddAdmin(app::DataDir& dir) {
  const core::PasswordHasher hasher({.memory_kib = 8192, .iterations = 1, .parallelism = 1});
  auto hash = hasher.Hash(kAdminPassword);
  if (!hash) return "argon2id: " + hash.error().message();
  auto done = dir.log->Execute(dir.commands->SignUp({.id = kAdminId,
                                                     .username = std::string(kAdminName),
                                                     .email = "benchadmin@example.com",
                                                     .display_name = "Bench Admin",
                                                     .password_hash = std::move(*hash),
                                                     .roles = {"admin", "user"}},
                                                    {.actor = "cli", .request_id = "req_admin"}));
  return done ? "" : "admin signup: " + done.error().message();
}

// The working set a live server touches: readiness, an admin login (argon2id verify, a new
// session), the first pages of the user list and the audit log, K single-user reads spread over
// every user, the caller's sessions and the metrics. Returns "" or what failed.
std::string Touch(std::uint16_t port, const std::vector<std::string>& sample) {
  net::testing::TestClient client(port, std::chrono::seconds(30));
  if (!client.connected()) return "cannot connect";
  auto ready = client.Do("GET", "/readyz");
  if (!ready || ready->result_int() != 200) return "GET /readyz did not answer 200";
  const std::string login = boost::json::serialize(
      boost::json::object{{"username", kAdminName}, {"password", kAdminPassword}});
  auto res = client.Do("POST", "/v1/sessions", login, {{"Content-Type", "application/json"}});
  if (!res || res->result_int() != 200) return "admin login did not answer 200";
  std::string token;
  try {
    token = std::string(boost::json::parse(res->body()).at("access_token").as_string());
  } catch (const std::exception&) {
    return "admin login answered no access_token";
  }
  const net::testing::ExtraHeaders auth = {{"Authorization", "Bearer " + token}};
  auto get = [&](const std::string& target) -> std::optional<boost::json::value> {
    auto r = client.Do("GET", target, {}, auth);
    if (!r || r->result_int() != 200) return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(r->body(), ec);
    if (ec) return std::nullopt;
    return v;
  };
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    auto list = get("/v1/users?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (!list) return "GET /v1/users failed";
    const auto* next = list->as_object().if_contains("next_cursor");
    if (next == nullptr || !next->is_string()) break;
    cursor = PercentEncode(next->as_string());
  }
  for (const auto& id : sample) {
    if (!get("/v1/users/" + id)) return "GET /v1/users/" + id + " failed";
  }
  std::uint64_t after = 0;
  for (int page = 0; page < 3; ++page) {
    auto events = get("/v1/audit/events?limit=1000&after=" + std::to_string(after));
    if (!events) return "GET /v1/audit/events failed";
    const auto* next = events->as_object().if_contains("next_after");
    if (next == nullptr || !next->is_number()) break;
    after = next->to_number<std::uint64_t>();
  }
  if (!get("/v1/sessions")) return "GET /v1/sessions failed";
  auto metrics = client.Do("GET", "/metrics");
  if (!metrics || metrics->result_int() != 200) return "GET /metrics failed";
  return "";
}

struct Sample {
  ProcMemory started;  // right after /healthz answered
  ProcMemory touched;  // after Touch
  double start_seconds = 0;
};

// One server start on `data`: memory after start and after the working set was touched.
bool Measure(const Config& config, const std::string& data, const std::string& log_path,
             const std::vector<std::string>* sample, Sample& out, std::string& why) {
  ServerProcess server;
  const double start = WallSeconds();
  if (!server.Start(config.authd, data, log_path, kServeFlags, std::chrono::seconds(900))) {
    why = server.error();
    return false;
  }
  out.start_seconds = WallSeconds() - start;
  out.started = server.Memory();
  if (sample != nullptr) {
    why = Touch(server.port(), *sample);
    if (!why.empty()) return false;
  } else {
    net::testing::TestClient client(server.port());
    auto ready = client.Do("GET", "/readyz");
    if (!ready || ready->result_int() != 200) {
      why = "GET /readyz did not answer 200";
      return false;
    }
  }
  // Let the allocator and RocksDB's background threads settle (flushes, freed buffers).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  out.touched = server.Memory();
  server.Stop();
  if (out.touched.rss_kib < 0) {
    why = "cannot read /proc/PID/status";
    return false;
  }
  return true;
}

Config ParseArgs(int argc, char** argv, bool& usage_error) {
  Config config;
  bool users = false;
  bool sessions = false;
  bool touch = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    auto number = [&](std::string_view flag) {
      return std::strtoull(argv[i] + flag.size(), nullptr, 10);
    };
    if (arg == "--quick") {
      config.quick = true;
    } else if (arg.starts_with("--users=")) {
      config.users = number("--users=");
      users = true;
    } else if (arg.starts_with("--sessions=")) {
      config.sessions = number("--sessions=");
      sessions = true;
    } else if (arg.starts_with("--touch=")) {
      config.touch = number("--touch=");
      touch = true;
    } else if (arg.starts_with("--reps=")) {
      config.reps = std::atoi(argv[i] + std::strlen("--reps="));
    } else if (arg.starts_with("--authd=")) {
      config.authd = std::string(arg.substr(std::strlen("--authd=")));
    } else {
      std::cerr << "memory_bench: unknown option " << arg
                << "\nusage: memory_bench [--users=N] [--sessions=M] [--quick] [--reps=R] "
                   "[--touch=K] [--authd=PATH]\n";
      usage_error = true;
    }
  }
  if (config.quick && !users) config.users = 100'000;
  if (config.quick && !sessions) config.sessions = 10'000;
  if (config.quick && !touch) config.touch = 2'000;
  if (config.users < 2 || config.reps <= 0) {
    std::cerr << "memory_bench: --users must be at least 2 and --reps positive\n";
    usage_error = true;
  }
  if (config.authd.empty()) {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    config.authd = (self.parent_path().parent_path() / "app" / "authd").string();
  }
  return config;
}

std::string Row(const std::string& what, const std::vector<Sample>& samples,
                ProcMemory Sample::*when) {
  std::vector<double> rss;
  std::vector<double> hwm;
  std::vector<double> anon;
  std::vector<double> start;
  for (const auto& s : samples) {
    rss.push_back(static_cast<double>((s.*when).rss_kib));
    hwm.push_back(static_cast<double>((s.*when).hwm_kib));
    anon.push_back(static_cast<double>((s.*when).anon_kib));
    start.push_back(s.start_seconds);
  }
  return "| " + what + " | " + Fixed(Median(rss) / 1024, 1) + " | " +
         Fixed(Median(anon) / 1024, 1) + " | " + Fixed(Median(hwm) / 1024, 1) + " | " +
         Fixed(Median(start), 2) + " |\n";
}

// The first start on a folder just filled replays the fill's write-ahead log (RocksDB does not
// flush memtables on close when the WAL is on), which leaves RSS far higher than any later start
// (docs/BENCHMARKS.md). "Steady" is every later start; all of them when there is only one.
std::vector<Sample> Steady(const std::vector<Sample>& samples) {
  if (samples.size() < 2) return samples;
  return {samples.begin() + 1, samples.end()};
}

double MedianRss(const std::vector<Sample>& samples) {
  std::vector<double> v;
  for (const auto& s : samples)
    v.push_back(static_cast<double>(s.touched.rss_kib) * 1024);
  return Median(v);
}

int Run(const Config& config) {
  if (::access(config.authd.c_str(), X_OK) != 0) {
    std::cerr << "memory_bench: no authd binary at " << config.authd << " (give --authd=PATH)\n";
    return 1;
  }
  BenchDir folder("authd-memory-bench");
  const std::string base = folder.Sub("admin-only");
  const std::string full = folder.Sub("full");
  const std::string log_path = folder.Sub("server.log");
  std::cout << "memory_bench: " << Thousands(static_cast<double>(config.users)) << " users, "
            << Thousands(static_cast<double>(config.sessions)) << " live sessions"
            << (config.quick ? " (--quick)" : "") << ", " << config.reps
            << " server starts per folder, " << config.touch << " single-user GETs; server "
            << config.authd << "; load average (1/5/15 min) " << LoadAverage() << std::endl;

  std::string why;
  {
    auto dir = Open(base, why);
    if (!dir || !(why = AddAdmin(*dir)).empty()) {
      std::cerr << "memory_bench: admin-only folder: " << why << "\n";
      return 1;
    }
  }
  auto dir = Open(full, why);
  if (!dir || !(why = AddAdmin(*dir)).empty()) {
    std::cerr << "memory_bench: full folder: " << why << "\n";
    return 1;
  }
  LogFiller filler(*dir);
  double t0 = WallSeconds();
  why = filler.SignUpUsers(config.users - 1);  // the admin is the last one
  dir->log->Close();
  const double fill_users_seconds = WallSeconds() - t0;
  dir.reset();
  if (!why.empty()) {
    std::cerr << "memory_bench: fill failed: " << why << "\n";
    return 1;
  }
  std::cout << "signed up " << Thousands(static_cast<double>(config.users - 1)) << " users in "
            << Fixed(fill_users_seconds, 1) << " s (sync off)" << std::endl;

  // Single-user reads spread evenly over every user.
  std::vector<std::string> sample;
  const auto& ids = filler.users();
  const std::uint64_t k = std::min<std::uint64_t>(config.touch, ids.size());
  for (std::uint64_t i = 0; i < k; ++i)
    sample.push_back(ids[static_cast<std::size_t>(i * ids.size() / k)]);
  const std::vector<std::string> admin_only(k, kAdminId);

  std::vector<Sample> empty_samples;
  std::vector<Sample> base_samples;
  std::vector<Sample> user_samples;
  std::vector<Sample> session_samples;
  auto measure = [&](const std::string& data, const std::vector<std::string>* touch,
                     std::vector<Sample>& into, const char* what) {
    Sample s;
    if (!Measure(config, data, log_path, touch, s, why)) {
      std::cerr << "memory_bench: " << what << ": " << why << "\n";
      return false;
    }
    std::cout << what << ": started in " << Fixed(s.start_seconds, 2) << " s, RSS "
              << s.started.rss_kib / 1024 << " MiB after start, " << s.touched.rss_kib / 1024
              << " MiB after the working set (anon " << s.touched.anon_kib / 1024 << ", peak "
              << s.touched.hwm_kib / 1024 << ", " << s.touched.threads << " threads)" << std::endl;
    into.push_back(s);
    return true;
  };
  // Users only, interleaved with the baselines.
  for (int rep = 0; rep < config.reps; ++rep) {
    // A new folder each time: the server creates its master key and signing keys there.
    if (!measure(folder.Sub("empty" + std::to_string(rep)), nullptr, empty_samples,
                 "empty folder") ||
        !measure(base, &admin_only, base_samples, "admin only") ||
        !measure(full, &sample, user_samples, "users")) {
      return 1;
    }
  }
  // Then the live sessions, on the same folder.
  dir = Open(full, why);
  if (!dir) {
    std::cerr << "memory_bench: reopen: " << why << "\n";
    return 1;
  }
  filler.Use(*dir);
  t0 = WallSeconds();
  why = filler.OpenSessions(config.sessions);
  dir->log->Close();
  const double fill_sessions_seconds = WallSeconds() - t0;
  dir.reset();
  if (!why.empty()) {
    std::cerr << "memory_bench: sessions: " << why << "\n";
    return 1;
  }
  std::cout << "opened " << Thousands(static_cast<double>(config.sessions)) << " sessions in "
            << Fixed(fill_sessions_seconds, 1) << " s (sync off)" << std::endl;
  for (int rep = 0; rep < config.reps; ++rep) {
    if (!measure(base, &admin_only, base_samples, "admin only") ||
        !measure(full, &sample, session_samples, "users + sessions")) {
      return 1;
    }
  }

  const double base_rss = MedianRss(base_samples);
  const double users_rss = MedianRss(Steady(user_samples));
  const double sessions_rss = MedianRss(Steady(session_samples));
  const double first_rss = MedianRss({user_samples.front()});
  const auto users = static_cast<double>(config.users);
  const auto sessions = static_cast<double>(config.sessions);
  std::cout
      << "\nMedians over the server starts (MiB; \"started\" = right after /healthz, the other "
         "rows after the working set; the users folders without their first start, which is "
         "shown alone):\n\n"
      << "| folder | VmRSS | RssAnon | VmHWM | start (s) |\n|---|---:|---:|---:|---:|\n"
      << Row("empty (readyz only)", empty_samples, &Sample::touched)
      << Row("admin only, started", base_samples, &Sample::started)
      << Row("admin only", base_samples, &Sample::touched)
      << Row("users, first start after the fill", {user_samples.front()}, &Sample::touched)
      << Row("users, started", Steady(user_samples), &Sample::started)
      << Row("users", Steady(user_samples), &Sample::touched)
      << Row("users + sessions, first start after the fill", {session_samples.front()},
             &Sample::touched)
      << Row("users + sessions, started", Steady(session_samples), &Sample::started)
      << Row("users + sessions", Steady(session_samples), &Sample::touched);
  std::cout << "\nload average at the end (1/5/15 min): " << LoadAverage() << "\n\n";
  std::cout
      << "| users | live sessions | RSS total (MiB) | RSS admin-only folder (MiB) | RSS first "
         "start after the fill, users only (MiB) | bytes per user | bytes per session |\n"
         "|---:|---:|---:|---:|---:|---:|---:|\n"
      << "| " << Thousands(users) << " | " << Thousands(sessions) << " | "
      << Fixed(sessions_rss / (1024 * 1024), 1) << " | " << Fixed(base_rss / (1024 * 1024), 1)
      << " | " << Fixed(first_rss / (1024 * 1024), 1) << " | "
      << Thousands((users_rss - base_rss) / users) << " | "
      << (sessions > 0 ? Thousands((sessions_rss - users_rss) / sessions) : "-") << " |\n";
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
    std::cerr << "memory_bench: " << e.what() << "\n";
    return 1;
  }
}
