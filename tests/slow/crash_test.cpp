// Crash recovery: a child process appends from many threads and reports every acknowledged event;
// the parent SIGKILLs it at a random moment, reopens the log and checks that every acknowledged
// event is there at its seq, the chain verifies, the projection equals its rebuild and the head
// continues. Many rounds on one data folder, so later rounds also recover logs that were
// themselves recovered from a crash.
//
// The child is this same binary, re-executed with a filter that runs CrashChild.DISABLED_Run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "storage/event_log.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

extern char** environ;

namespace authd::storage {
namespace {

using test_support::CountingProjection;
using test_support::MakeEvent;
using test_support::OpenOrDie;
using test_support::Options;
using test_support::TempDir;

constexpr const char* kDirVariable = "AUTHD_CRASH_CHILD_DIR";
constexpr const char* kFdVariable = "AUTHD_CRASH_CHILD_FD";
constexpr const char* kRoundVariable = "AUTHD_CRASH_CHILD_ROUND";
constexpr int kChildFd = 100;
constexpr int kProducers = 8;
constexpr int kInFlightPerProducer = 16;
constexpr int kFolders = 4;
constexpr int kRoundsPerFolder = 8;

// ids: round << 40 | producer << 32 | n. Commands with n % 17 == 5 append, reserve and then refuse:
// none of them may ever be found in the log.
std::uint64_t MakeId(std::uint64_t round, std::uint64_t producer, std::uint64_t n) {
  return round << 40 | producer << 32 | n;
}
bool IsRefused(std::uint64_t id) {
  return (id & 0xFFFFFFFFULL) % 17 == 5;
}
std::string UniqueKey(std::uint64_t id) {
  return "id/" + std::to_string(id);
}

// ---------------------------------------------------------------------------------------------
// Child mode.

void WriteAck(int fd, std::uint64_t id, std::uint64_t seq) {
  char line[64];
  const int n = std::snprintf(line, sizeof line, "%llu %llu\n", static_cast<unsigned long long>(id),
                              static_cast<unsigned long long>(seq));
  // One write of less than PIPE_BUF bytes: atomic, so the parent never sees half a line.
  if (::write(fd, line, static_cast<std::size_t>(n)) != n) std::_Exit(13);
}

TEST(CrashChild, DISABLED_Run) {
  const char* dir = std::getenv(kDirVariable);
  const char* fd_text = std::getenv(kFdVariable);
  const char* round_text = std::getenv(kRoundVariable);
  if (dir == nullptr || fd_text == nullptr || round_text == nullptr) {
    GTEST_SKIP() << "only run as the crash test's child";
  }
  const int fd = std::atoi(fd_text);
  const std::uint64_t round = std::strtoull(round_text, nullptr, 10);
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir), clock);
  if (log == nullptr) std::_Exit(10);
  if (::write(fd, "R\n", 2) != 2) std::_Exit(13);

  std::vector<std::thread> producers;
  for (std::uint64_t p = 0; p < kProducers; ++p) {
    producers.emplace_back([&log, fd, round, p] {
      std::counting_semaphore<kInFlightPerProducer> slots(kInFlightPerProducer);
      for (std::uint64_t n = 0;; ++n) {
        slots.acquire();
        const std::uint64_t id = MakeId(round, p, n);
        log->Submit(
            [id, p](Txn& txn) -> Result<void> {
              auto e = txn.Append(MakeEvent("crash." + std::to_string(id % 3),
                                            "producer-" + std::to_string(p),
                                            {{"id", std::to_string(id)}}));
              if (!e) return e.error();
              auto put = txn.Put("unique", UniqueKey(id), std::to_string(e->seq));
              if (!put) return put.error();
              if (IsRefused(id)) return core::Errc::kConflict;
              return {};
            },
            [fd, id, &slots](Result<Committed> r) {
              if (r) {
                if (r->size() != 1) std::_Exit(14);
                WriteAck(fd, id, (*r)[0].seq);  // only after the commit was acknowledged
              } else if (!IsRefused(id)) {
                std::_Exit(15);
              }
              slots.release();
            });
      }
    });
  }
  // Watchdog, not synchronization: the parent kills this process long before.
  std::this_thread::sleep_for(std::chrono::seconds(30));
  std::_Exit(12);
}

// ---------------------------------------------------------------------------------------------
// Parent mode.

// Kills and reaps the child whatever happens to the test.
class Child {
 public:
  Child() = default;
  ~Child() { KillAndReap(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void Start(const std::string& dir, int write_fd, std::uint64_t round) {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e)
      env_strings.emplace_back(*e);
    env_strings.push_back(std::string(kDirVariable) + "=" + dir);
    env_strings.push_back(std::string(kFdVariable) + "=" + std::to_string(kChildFd));
    env_strings.push_back(std::string(kRoundVariable) + "=" + std::to_string(round));
    std::vector<char*> envp;
    for (auto& s : env_strings)
      envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string exe = "/proc/self/exe";
    std::string filter = "--gtest_filter=CrashChild.DISABLED_Run";
    std::string disabled = "--gtest_also_run_disabled_tests";
    std::vector<char*> argv = {exe.data(), filter.data(), disabled.data(), nullptr};
    const int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(devnull, 0);
    const pid_t parent = ::getpid();

    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(20);
      if (::dup2(write_fd, kChildFd) < 0 || ::dup2(devnull, STDOUT_FILENO) < 0) ::_exit(21);
      ::execve(exe.c_str(), argv.data(), envp.data());
      ::_exit(22);
    }
    ::close(devnull);
  }

  // Returns the wait status.
  int KillAndReap() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGKILL);
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

struct RoundResult {
  std::map<std::uint64_t, std::uint64_t> acked;  // id -> seq
  bool ready = false;                            // the child had opened the log
  int status = 0;
};

// Runs one child and SIGKILLs it `delay` after it opened the log (or, with `from_start`, `delay`
// after it was started: then it usually dies while opening or recovering the log).
RoundResult RunChild(const std::string& dir, std::uint64_t round, std::chrono::milliseconds delay,
                     bool from_start) {
  using Clock = std::chrono::steady_clock;
  RoundResult result;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2";
    return result;
  }
  Child child;
  child.Start(dir, fds[1], round);
  ::close(fds[1]);

  std::string pending;
  auto deadline = Clock::now() + (from_start ? delay : std::chrono::milliseconds(30'000));
  char buf[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fds[0], POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is gone
    pending.append(buf, static_cast<std::size_t>(n));
    if (!result.ready && pending.find("R\n") != std::string::npos) {
      result.ready = true;
      if (!from_start) deadline = Clock::now() + delay;
    }
  }
  result.status = child.KillAndReap();
  // Drain what the child wrote before it died.
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  result.ready = result.ready || pending.find("R\n") != std::string::npos;

  std::size_t start = 0;
  for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    unsigned long long id = 0;
    unsigned long long seq = 0;
    const std::string line = pending.substr(start, nl - start);
    if (line == "R") continue;
    if (std::sscanf(line.c_str(), "%llu %llu", &id, &seq) != 2) {
      ADD_FAILURE() << "bad line from the child: " << line;
      continue;
    }
    if (!result.acked.emplace(id, seq).second) ADD_FAILURE() << "id acknowledged twice: " << id;
  }
  EXPECT_EQ(start, pending.size()) << "half a line from the child";
  return result;
}

struct LogCheck {
  std::uint64_t head = 0;
  std::uint64_t parent_events = 0;
};

// Reopens the log and checks it against everything acknowledged so far.
void CheckRecoveredLog(const std::string& dir, const std::map<std::uint64_t, std::uint64_t>& acked,
                       std::uint64_t parent_events, LogCheck& out) {
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir), clock);
  ASSERT_NE(log, nullptr) << "the log does not open after a crash";
  const std::uint64_t head = log->Head();
  const core::Digest chain_head_hash = log->HeadHash();

  // Every event in the log: a parent check event or a child event that was not refused, each id
  // once, each with its reservation in `unique` (written in the same batch).
  std::map<std::uint64_t, std::uint64_t> in_log;  // id -> seq
  std::uint64_t parents = 0;
  auto scanned = log->ScanRaw(0, [&](std::uint64_t seq, std::string_view bytes) {
    auto e = core::DecodeEvent(bytes);
    EXPECT_TRUE(e) << seq;
    if (!e) return false;
    if (e->type == "parent.check") {
      ++parents;
      return true;
    }
    const std::uint64_t id = std::stoull(std::string(e->data.at("id").as_string()));
    EXPECT_FALSE(IsRefused(id)) << "a refused command's event was committed: " << id;
    EXPECT_TRUE(in_log.emplace(id, seq).second) << "id twice in the log: " << id;
    return true;
  });
  ASSERT_TRUE(scanned);
  EXPECT_EQ(parents, parent_events);
  std::map<std::uint64_t, std::uint64_t> reserved;
  auto reservations = log->Scan("unique", "id/", "", [&](std::string_view k, std::string_view v) {
    reserved.emplace(std::stoull(std::string(k.substr(3))), std::stoull(std::string(v)));
    return true;
  });
  ASSERT_TRUE(reservations);
  EXPECT_TRUE(reserved == in_log) << "events and their reservations are out of step: "
                                  << reserved.size() << " reservations, " << in_log.size()
                                  << " events";

  // Every acknowledged event is there, at the seq it was acknowledged with.
  for (const auto& [id, seq] : acked) {
    auto it = in_log.find(id);
    ASSERT_NE(it, in_log.end()) << "acknowledged id " << id << " (seq " << seq << ") is lost";
    ASSERT_EQ(it->second, seq) << "acknowledged id " << id << " moved";
  }

  auto chain = VerifyChain(*log);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->first_bad.has_value()) << *chain->first_bad << ": " << chain->reason;
  EXPECT_EQ(chain->checked, head);
  CountingProjection fresh;
  auto projection = VerifyProjection(*log, fresh);
  ASSERT_TRUE(projection);
  EXPECT_TRUE(projection->equal) << projection->difference;

  // The head continues, and so does a stream.
  auto next = log->Execute([](Txn& txn) -> Result<void> {
    auto e = txn.Append(MakeEvent("parent.check", "parent"));
    if (!e) return e.error();
    return {};
  });
  ASSERT_TRUE(next) << next.error().message();
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].seq, head + 1);
  EXPECT_EQ((*next)[0].version, parent_events + 1);
  EXPECT_EQ((*next)[0].prev_hash, chain_head_hash);
  out.head = head + 1;
  out.parent_events = parent_events + 1;
}

TEST(CrashTest, AcknowledgedEventsSurviveSigkill) {
  std::random_device device;
  const auto seed = (static_cast<std::uint64_t>(device()) << 32) | device();
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> kill_after_ms(10, 300);
  RecordProperty("seed", std::to_string(seed));
  std::printf("crash test seed %llu\n", static_cast<unsigned long long>(seed));

  int rounds = 0;
  int killed_while_open = 0;
  int killed_while_producing = 0;
  std::size_t total_acked = 0;
  std::chrono::duration<double> child_time{0};
  std::chrono::duration<double> check_time{0};
  const auto started = std::chrono::steady_clock::now();
  for (int folder = 1; folder <= kFolders; ++folder) {
    // A fresh folder now and then keeps the log (and so each round's verification) small; within
    // a folder every round recovers what the previous crashes left. The first child of a folder
    // creates the log, so some kills land while the database is being created.
    TempDir dir;
    const std::string data = dir.Sub("data");
    std::map<std::uint64_t, std::uint64_t> acked;
    LogCheck state;
    for (int round = 1; round <= kRoundsPerFolder; ++round) {
      ++rounds;
      const auto delay = std::chrono::milliseconds(kill_after_ms(rng));
      const bool from_start = round % 4 == 1;
      SCOPED_TRACE("folder " + std::to_string(folder) + " round " + std::to_string(round) +
                   ", killed " + std::to_string(delay.count()) + " ms after " +
                   (from_start ? "start" : "opening the log"));
      const auto child_started = std::chrono::steady_clock::now();
      RoundResult r = RunChild(data, static_cast<std::uint64_t>(rounds), delay, from_start);
      const auto child_ended = std::chrono::steady_clock::now();
      child_time += child_ended - child_started;
      ASSERT_TRUE(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL)
          << "the child ended on its own, wait status " << r.status;
      ASSERT_TRUE(r.ready || from_start) << "the child did not open the log within 30 s";
      if (r.ready) ++killed_while_open;
      if (!r.acked.empty()) ++killed_while_producing;
      total_acked += r.acked.size();
      for (const auto& [id, seq] : r.acked) {
        ASSERT_GT(seq, state.head) << "acknowledged a seq the previous round already held";
        acked.emplace(id, seq);
      }
      ASSERT_NO_FATAL_FAILURE(CheckRecoveredLog(data, acked, state.parent_events, state));
      check_time += std::chrono::steady_clock::now() - child_ended;
    }
  }
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "crash test: %d rounds (%d killed with the log open, %d while acknowledging), "
      "%zu acknowledged events, %.1f s (children %.1f s, recovery checks %.1f s)\n",
      rounds, killed_while_open, killed_while_producing, total_acked, seconds, child_time.count(),
      check_time.count());
  EXPECT_GE(killed_while_producing, rounds / 2) << "most rounds should be killed mid-append";
}

}  // namespace
}  // namespace authd::storage
