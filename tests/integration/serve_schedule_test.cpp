// How `authd serve` schedules its threads: argon2id runs below every other thread of the server, so
// an I/O thread that wakes up during a login flood takes a core from hashing at once (the goal of
// docs/BENCHMARKS.md's flood latency), and `--hash-nice` sets that priority.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

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

}  // namespace
}  // namespace authd::test
