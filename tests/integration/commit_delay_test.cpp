// Group commit under a login flood (docs/STORAGE.md, "Commit delay"): while a round of password
// hashes waits for the hashing threads, `authd serve` holds each commit open so that the logins
// finishing meanwhile share it; `--commit-delay-us` bounds the hold and is checked at start.
#include <gtest/gtest.h>

#include <barrier>
#include <cstddef>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/api_client.hpp"
#include "tests/integration/metrics_text.hpp"
#include "tests/integration/process.hpp"
#include "tests/integration/server.hpp"

namespace authd::test {
namespace {

class CommitDelayTest : public ServerSuite<CommitDelayTest> {
 public:
  // One hashing thread, so that a burst of logins queues behind it; the longest hold allowed,
  // so that the next login's cheap test hash finishes inside it even under a sanitizer; hashing
  // at nice 0, so that tests running beside this one cannot starve it past the hold.
  static ServerSpec Spec() {
    return {.flags = {"--hash-threads", "1", "--hash-queue", "64", "--hash-nice", "0",
                      "--commit-delay-us", "100000"}};
  }
};

TEST_F(CommitDelayTest, LoginsFinishingWhileACommitIsHeldShareIt) {
  const auto api = this->api();
  Account user = SignUp(api, "grouped");
  const auto before = api.Get("/metrics").body();
  const auto groups_before = Sample(before, "authd_log_group_commands_count");
  const auto commands_before = Sample(before, "authd_log_group_commands_sum");
  ASSERT_TRUE(groups_before && commands_before) << before;

  constexpr int kBurst = 8;
  std::vector<unsigned> statuses(kBurst);
  std::barrier start(kBurst);
  std::vector<std::thread> clients;
  for (int i = 0; i < kBurst; ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      statuses[static_cast<std::size_t>(i)] =
          api.Send("POST", "/v1/sessions",
                   json::object{{"username", user.username}, {"password", user.password}})
              .result_int();
    });
  }
  for (auto& c : clients)
    c.join();
  for (const auto status : statuses)
    EXPECT_EQ(status, 200U);

  const auto after = api.Get("/metrics").body();
  const double groups = *Sample(after, "authd_log_group_commands_count") - *groups_before;
  const double commands = *Sample(after, "authd_log_group_commands_sum") - *commands_before;
  EXPECT_GE(commands, kBurst) << "one command a login (and the signup's mail, sent meanwhile)";
  EXPECT_LT(groups, commands) << "no two logins of the burst shared a commit";
  // The last hold ends when the hashing queue thins out, not at its 100 ms deadline: the hashing
  // pool tells the log (a thread must not run dry while finished logins wait for company).
  const auto released = Sample(after, "authd_log_held_released_total");
  ASSERT_TRUE(released) << after;
  EXPECT_GE(*released - Sample(before, "authd_log_held_released_total").value_or(0), 1.0);
  // Every session was committed, grouped or not.
  LogIn(api, user);
  auto sessions = api.Get("/v1/sessions", user.access);
  ASSERT_EQ(sessions.result_int(), 200U) << sessions.body();
  EXPECT_EQ(JsonObject(sessions).at("items").as_array().size(), kBurst + 1U);
}

TEST(CommitDelayOption, OutOfRangeIsAUsageError) {
  TempFolder folder;
  for (const std::string bad : {"-1", "100001", "soon"}) {
    auto run = RunProcess({AuthdBinary(), "serve", "--data", folder.Sub("data"), "--listen",
                           "127.0.0.1:0", "--commit-delay-us", bad});
    EXPECT_EQ(run.exit_code, 2) << bad << ": " << run.err;
    EXPECT_NE(run.err.find("commit-delay-us"), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace authd::test
