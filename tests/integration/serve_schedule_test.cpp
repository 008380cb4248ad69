// How `authd serve` schedules its threads: argon2id runs below every other thread of the server, so
// an I/O thread that wakes up during a login flood takes a core from hashing at once (the goal of
// docs/BENCHMARKS.md's flood latency), and `--hash-nice` sets that priority. The I/O threads are
// pinned one to a CPU, so that they never take turns on one while argon2id has the other
// (`--pin-io-threads`, where hashing can keep every CPU busy).
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/server.hpp"

namespace authd::test {
namespace {

struct ThreadInfo {
  std::string name;
  int nice = 0;
};

// Name and nice value of each thread of `pid`, by thread id (/proc/PID/task/TID/stat: the name in
// parentheses, the nice value in field 19).
std::map<int, ThreadInfo> Threads(pid_t pid) {
  std::map<int, ThreadInfo> threads;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(tasks)) {
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto open = stat.find('(');
    const auto close = stat.rfind(')');  // the thread name may hold spaces
    if (open == std::string::npos || close == std::string::npos) continue;
    ThreadInfo info{.name = stat.substr(open + 1, close - open - 1)};
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) info.nice = std::stoi(field);
    }
    threads[std::stoi(entry.path().filename().string())] = info;
  }
  return threads;
}

std::map<int, int> ThreadNices(pid_t pid) {
  std::map<int, int> nices;
  for (const auto& [tid, info] : Threads(pid))
    nices[tid] = info.nice;
  return nices;
}

int CountNamed(const std::map<int, ThreadInfo>& threads, std::string_view name) {
  return static_cast<int>(std::count_if(threads.begin(), threads.end(),
                                        [&](const auto& t) { return t.second.name == name; }));
}

int CountAt(const std::map<int, int>& nices, int nice) {
  return static_cast<int>(
      std::count_if(nices.begin(), nices.end(), [&](const auto& t) { return t.second == nice; }));
}

TEST(ServeScheduleTest, HashingThreadsRunAtNice19ByDefault) {
  AuthdServer server(ServerSpec{.flags = {"--hash-threads", "3"}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto nices = ThreadNices(server.pid());
  const int base = nices.at(server.pid());  // the main thread keeps the nice it was started with
  if (base >= 19) GTEST_SKIP() << "the test runs at nice " << base;
  EXPECT_EQ(CountAt(nices, 19), 3) << "one per hashing thread";
  EXPECT_EQ(CountAt(nices, base), static_cast<int>(nices.size()) - 3)
      << "every other thread (I/O, writer, ...) keeps the process's priority";
}

TEST(ServeScheduleTest, HashNiceZeroKeepsHashingAtTheProcessPriority) {
  AuthdServer server(ServerSpec{.flags = {"--hash-nice", "0"}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto nices = ThreadNices(server.pid());
  const int base = nices.at(server.pid());
  EXPECT_EQ(CountAt(nices, base), static_cast<int>(nices.size()));
}

// An operator looking at `top -H` or perf sees which pool is busy: every thread of the server is
// named by what it does, and the low-priority ones are exactly the hashing threads.
TEST(ServeScheduleTest, ThreadsAreNamedByWhatTheyDo) {
  AuthdServer server(ServerSpec{.flags = {"--hash-threads", "3", "--io-threads", "2"}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto threads = Threads(server.pid());
  EXPECT_EQ(CountNamed(threads, "authd-hash"), 3);
  EXPECT_EQ(CountNamed(threads, "authd-io"), 2);
  EXPECT_EQ(CountNamed(threads, "authd-writer"), 1);
  EXPECT_EQ(CountNamed(threads, "authd-seclog"), 1);
  EXPECT_EQ(CountNamed(threads, "authd-feed"), 1);
  const int base = threads.at(server.pid()).nice;
  if (base < 19) {
    for (const auto& [tid, info] : threads) {
      EXPECT_EQ(info.nice == 19, info.name == "authd-hash")
          << info.name << " at nice " << info.nice;
    }
  }
}

// Cpus_allowed_list of each thread of `pid` named `name` (/proc/PID/task/TID/status), e.g. "0-1".
std::vector<std::string> CpuLists(pid_t pid, std::string_view name) {
  std::vector<std::string> lists;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& [tid, info] : Threads(pid)) {
    if (info.name != name) continue;
    std::ifstream in(tasks / std::to_string(tid) / "status");
    for (std::string line; std::getline(in, line);) {
      constexpr std::string_view kField = "Cpus_allowed_list:";
      if (line.starts_with(kField)) {
        const auto value = line.find_first_not_of(" \t", kField.size());
        lists.push_back(value == std::string::npos ? "" : line.substr(value));
      }
    }
  }
  return lists;
}

// How many CPUs the test may run on (and so the server it starts).
int AllowedCpuCount() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
}

bool IsOneCpu(const std::string& list) {
  return !list.empty() && list.find_first_of(",-") == std::string::npos;
}

// Pinned where hashing can keep every CPU busy: as many hashing threads as the CPUs the I/O
// threads leave (2 on CI's two cores).
TEST(ServeScheduleTest, IoThreadsArePinnedOneToACpuByDefault) {
  const int cpus = AllowedCpuCount();
  if (cpus < 2) GTEST_SKIP() << "one CPU: there is nothing to keep apart";
  const std::string hash_threads = std::to_string(std::max(cpus - 2, 1));
  AuthdServer server(ServerSpec{.flags = {"--io-threads", "2", "--hash-threads", hash_threads}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto io = CpuLists(server.pid(), "authd-io");
  ASSERT_EQ(io.size(), 2U);
  EXPECT_TRUE(IsOneCpu(io[0]) && IsOneCpu(io[1])) << io[0] << " and " << io[1];
  EXPECT_NE(io[0], io[1]) << "the two I/O threads share a CPU";
  const auto all = CpuLists(server.pid(), "authd-writer");
  ASSERT_EQ(all.size(), 1U);
  EXPECT_FALSE(IsOneCpu(all[0])) << "only the I/O threads are pinned";
  for (const auto& hash : CpuLists(server.pid(), "authd-hash"))
    EXPECT_EQ(hash, all[0]) << "hashing goes wherever a core is free";
}

TEST(ServeScheduleTest, PinIoThreadsFalseLeavesThemFree) {
  if (AllowedCpuCount() < 2) GTEST_SKIP() << "one CPU: nothing is ever pinned";
  AuthdServer server(ServerSpec{.flags = {"--io-threads", "2", "--pin-io-threads", "false"}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto writer = CpuLists(server.pid(), "authd-writer");
  ASSERT_EQ(writer.size(), 1U);
  const auto io = CpuLists(server.pid(), "authd-io");
  ASSERT_EQ(io.size(), 2U);
  EXPECT_EQ(io[0], writer[0]);
  EXPECT_EQ(io[1], writer[0]);
}

// Two I/O threads pinned to one CPU would take turns for certain: with more threads than CPUs
// none is pinned.
TEST(ServeScheduleTest, MoreIoThreadsThanCpusAreNotPinned) {
  const int threads = AllowedCpuCount() + 1;
  AuthdServer server(ServerSpec{.flags = {"--io-threads", std::to_string(threads)}});
  ASSERT_TRUE(server.ok()) << server.error();
  const auto writer = CpuLists(server.pid(), "authd-writer");
  ASSERT_EQ(writer.size(), 1U);
  const auto io = CpuLists(server.pid(), "authd-io");
  ASSERT_EQ(io.size(), static_cast<std::size_t>(threads));
  for (const auto& list : io)
    EXPECT_EQ(list, writer[0]);
}

}  // namespace
}  // namespace authd::test
