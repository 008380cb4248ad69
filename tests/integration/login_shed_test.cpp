// Logins and signups beyond the hashing queue (issue 3, docs/AUTH.md "Login answers"): with one
// hashing thread and one slot, a burst of simultaneous requests is answered at once. Those that
// find every slot taken get 503 server_busy with Retry-After: 1 (for a login, the same for an
// existing account and an unknown name) and leave nothing behind: no session, no failed-login
// record, no throttling, no reserved username.
#include <gtest/gtest.h>

#include <barrier>
#include <cstddef>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/integration/throttle_support.hpp"

namespace authd::test {
namespace {

class LoginShedTest : public ServerSuite<LoginShedTest> {
 public:
  static ServerSpec Spec() { return {.flags = {"--hash-threads", "1", "--hash-queue", "1"}}; }
};

// POSTs every body to `target` at the same moment, each on its own connection; the answers in
// order.
std::vector<ClientResponse> Burst(const Api& api, std::string_view target,
                                  const std::vector<json::object>& bodies) {
  std::vector<ClientResponse> answers(bodies.size());
  std::barrier start(static_cast<std::ptrdiff_t>(bodies.size()));
  std::vector<std::thread> clients;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    clients.emplace_back([&, i] {
      start.arrive_and_wait();
      answers[i] = api.Send("POST", target, bodies[i]);
    });
  }
  for (auto& c : clients)
    c.join();
  return answers;
}

std::size_t SessionCount(const Api& api, const std::string& token) {
  auto res = api.Get("/v1/sessions", token);
  EXPECT_EQ(res.result_int(), 200U) << res.body();
  if (res.result_int() != 200U) return 0;
  return JsonObject(res).at("items").as_array().size();
}

TEST_F(LoginShedTest, ABurstBeyondTheHashingQueueIsShedAtOnceAndChangesNothing) {
  const auto api = this->api();
  Account user = SignUp(api, "burst");
  // Half the burst names the account (right password), half names nobody: a shed answer must
  // not tell them apart.
  constexpr int kBurst = 24;
  std::vector<json::object> bodies;
  for (int i = 0; i < kBurst; ++i) {
    const std::string name = i % 2 == 0 ? user.username : "nobody" + std::to_string(100 + i);
    bodies.push_back({{"username", name}, {"password", user.password}});
  }
  const auto answers = Burst(api, "/v1/sessions", bodies);

  int admitted_right = 0;
  int shed = 0;
  for (int i = 0; i < kBurst; ++i) {
    const auto& res = answers[static_cast<std::size_t>(i)];
    if (res.result_int() == 503) {
      ExpectProblem(res, 503, "server_busy");
      EXPECT_EQ(RetryAfter(res), 1) << res.body();
      ++shed;
    } else if (i % 2 == 0) {
      EXPECT_EQ(res.result_int(), 200U) << res.body();
      ++admitted_right;
    } else {
      ExpectProblem(res, 401, "invalid_credentials");
    }
  }
  EXPECT_GT(shed, 0) << "24 simultaneous logins never filled one hashing slot";
  EXPECT_GT(kBurst - shed, 0) << "every login was shed";

  // Only the admitted logins made sessions (plus the one made here to look).
  auto look = LogIn(api, user);
  ASSERT_EQ(look.result_int(), 200U) << look.body();
  EXPECT_EQ(SessionCount(api, user.access), static_cast<std::size_t>(admitted_right) + 1);
  // Being shed is not a failed attempt: the account's owner is not throttled afterwards.
  for (int i = 0; i < 3; ++i) {
    auto again = LogIn(api, user);
    EXPECT_EQ(again.result_int(), 200U) << again.body();
  }
}

TEST_F(LoginShedTest, ASignupShedForWantOfAHashingSlotLeavesItsNameFree) {
  const auto api = this->api();
  constexpr int kBurst = 16;
  std::vector<Account> accounts(kBurst);
  std::vector<json::object> bodies;
  for (auto& a : accounts) {
    a.username = NewName("shedsignup");
    a.email = a.username + "@example.com";
    a.password = kPassword;
    bodies.push_back(SignupBody(a.username, a.email, a.password));
  }
  const auto answers = Burst(api, "/v1/users", bodies);
  int shed = 0;
  for (int i = 0; i < kBurst; ++i) {
    const auto& res = answers[static_cast<std::size_t>(i)];
    if (res.result_int() != 503) {
      EXPECT_EQ(res.result_int(), 201U) << res.body();
      continue;
    }
    ExpectProblem(res, 503, "server_busy");
    EXPECT_EQ(RetryAfter(res), 1) << res.body();
    ++shed;
    // Nothing was reserved: the same name and address sign up now.
    auto again = api.Send("POST", "/v1/users", bodies[static_cast<std::size_t>(i)]);
    EXPECT_EQ(again.result_int(), 201U) << again.body();
  }
  EXPECT_GT(shed, 0) << "16 simultaneous signups never filled one hashing slot";
  EXPECT_LT(shed, kBurst) << "every signup was shed";
}

}  // namespace
}  // namespace authd::test
