// Concurrency and crash recovery through the API: racing signups of one username, a burst of
// distinct signups, then SIGKILL and a restart on the same folder. Takes several seconds: the
// suite is ApiSlowTest so the quick run can leave it out.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

constexpr auto kSlowTimeout = std::chrono::seconds(60);

struct Outcome {
  unsigned status = 0;
  std::string body;
};

// Sends `bodies[i]` to POST `target` from its own thread and connection, all released at once.
std::vector<Outcome> Burst(std::uint16_t port, const std::string& target,
                           const std::vector<json::object>& bodies) {
  std::vector<Outcome> out(bodies.size());
  std::latch ready(static_cast<std::ptrdiff_t>(bodies.size()));
  std::vector<std::thread> threads;
  threads.reserve(bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      TestClient client(port, kSlowTimeout);  // connected before the start signal
      const std::string body = json::serialize(bodies[i]);
      ready.arrive_and_wait();
      if (!client.connected()) return;
      auto res = client.Do("POST", target, body, {{"Content-Type", "application/json"}});
      if (res) out[i] = {res->result_int(), res->body()};
    });
  }
  for (auto& t : threads)
    t.join();
  return out;
}

TEST(ApiSlowTest, ConcurrentSignupsAreExactAndSurviveACrash) {
  AuthdServer server({.flags = {"--hash-queue", "512"}});
  ASSERT_TRUE(server.ok()) << server.error();

  // 40 signups of one username (half in upper case, each with its own email): one wins.
  const std::string contested = NewName("race");
  std::vector<json::object> same;
  for (int i = 0; i < 40; ++i) {
    same.push_back(SignupBody(i % 2 == 0 ? contested : Upper(contested),
                              contested + "-" + std::to_string(i) + "@example.com", kPassword));
  }
  auto raced = Burst(server.port(), "/v1/users", same);
  int created = 0;
  int taken = 0;
  std::string winner_email;
  for (std::size_t i = 0; i < raced.size(); ++i) {
    if (raced[i].status == 201) {
      ++created;
      winner_email = std::string(same[i].at("email").as_string());
    } else if (raced[i].status == 409 &&
               raced[i].body.find("\"username_taken\"") != std::string::npos) {
      ++taken;
    } else {
      ADD_FAILURE() << "signup " << i << ": " << raced[i].status << " " << raced[i].body;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(taken, 39);

  // 150 distinct signups at once: all succeed.
  std::vector<json::object> distinct;
  std::vector<std::string> names;
  for (int i = 0; i < 150; ++i) {
    names.push_back(NewName("burst"));
    distinct.push_back(SignupBody(names.back(), names.back() + "@example.com", kPassword));
  }
  auto burst = Burst(server.port(), "/v1/users", distinct);
  int ok = 0;
  for (std::size_t i = 0; i < burst.size(); ++i) {
    if (burst[i].status == 201) {
      ++ok;
    } else {
      ADD_FAILURE() << "signup of " << names[i] << ": " << burst[i].status << " " << burst[i].body;
    }
  }
  EXPECT_EQ(ok, 150);

  // Crash, restart on the same folder: every acknowledged signup is there.
  server.Kill();
  ASSERT_TRUE(server.Restart()) << server.error();
  std::vector<json::object> logins;
  for (const auto& n : names)
    logins.push_back(json::object{{"username", n}, {"password", kPassword}});
  logins.push_back(json::object{{"username", contested}, {"password", kPassword}});
  auto after = Burst(server.port(), "/v1/sessions", logins);
  int logged_in = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (after[i].status == 200) {
      ++logged_in;
    } else {
      ADD_FAILURE() << "login " << i << " after restart: " << after[i].status << " "
                    << after[i].body;
    }
  }
  EXPECT_EQ(logged_in, 151);
  if (!after.empty() && after.back().status == 200) {
    auto body = json::parse(after.back().body).as_object();
    EXPECT_EQ(Str(body.at("user").as_object(), "email"), winner_email);
  }

  // The uniqueness index came back too.
  Api api(server.port(), kSlowTimeout);
  ExpectProblem(api.Send("POST", "/v1/users",
                         SignupBody(contested, NewName("late") + "@example.com", kPassword)),
                409, "username_taken");
  ExpectProblem(api.Send("POST", "/v1/users",
                         SignupBody(NewName("late"), names[7] + "@example.com", kPassword)),
                409, "email_taken");
}

}  // namespace
}  // namespace authd::test
