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

#include "tests/integration/server.hpp"

namespace authd::test {
namespace {

// Nice value of each thread of `pid`, by thread id (field 19 of /proc/PID/task/TID/stat).
std::map<int, int> ThreadNices(pid_t pid) {
  std::map<int, int> nices;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& entry : std::filesystem::directory_iterator(tasks)) {
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');  // the thread name may hold spaces
    if (close == std::string::npos) continue;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) nices[std::stoi(entry.path().filename().string())] = std::stoi(field);
    }
  }
  return nices;
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

}  // namespace
}  // namespace authd::test
