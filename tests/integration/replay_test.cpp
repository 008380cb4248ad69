// authd replay: the user table as it stood at a past time, read from a folder a server is using.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

// id -> user line of `authd replay` output.
std::map<std::string, json::object> UsersById(const std::string& out) {
  std::map<std::string, json::object> users;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    auto o = json::parse(line).as_object();
    users.emplace(std::string(o.at("id").as_string()), std::move(o));
  }
  return users;
}

std::string Now() {
  return core::FormatRfc3339(core::SystemClock().NowMicros());
}

void Pause() {
  // Commit times are in microseconds: a few milliseconds keep "between" strictly between.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

class ReplayTest : public ServerSuite<ReplayTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true}; }

 protected:
  static ProcessResult Replay(std::vector<std::string> args) {
    args.insert(args.begin(), {AuthdBinary(), "replay", "--data", server().data_dir()});
    return RunProcess(args);
  }
};

TEST_F(ReplayTest, RolesBeforeAndAfterAChange) {
  Account admin = Admin(api(), server());
  const std::string before_signup = Now();
  Pause();
  Account bob = SignUp(api(), "bob");
  Pause();
  const std::string between = Now();
  Pause();
  auto changed = api().Send("PUT", "/v1/users/" + bob.id + "/roles",
                            json::object{{"roles", json::array{"auditor"}}}, admin.access);
  ASSERT_EQ(changed.result_int(), 200U) << changed.body();
  Pause();
  const std::string after = Now();

  // The server keeps running: replay opens the folder read-only beside it.
  auto then = Replay({"--at", between});
  ASSERT_EQ(then.exit_code, 0) << then.err;
  auto users = UsersById(then.out);
  ASSERT_TRUE(users.contains(bob.id)) << then.out;
  EXPECT_EQ(json::serialize(users.at(bob.id).at("roles")), R"(["user"])");
  EXPECT_EQ(Str(users.at(bob.id), "username"), bob.username);
  EXPECT_EQ(Str(users.at(bob.id), "email"), bob.email);
  EXPECT_FALSE(users.at(bob.id).at("disabled").as_bool());
  EXPECT_TRUE(IsRfc3339Utc(users.at(bob.id).at("created_at").as_string()));
  EXPECT_EQ(json::serialize(users.at(admin.id).at("roles")), R"(["admin","user"])");
  EXPECT_EQ(then.out.find("password"), std::string::npos);
  EXPECT_EQ(then.out.find("argon2"), std::string::npos);

  auto now = Replay({"--at", after});
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_EQ(json::serialize(UsersById(now.out).at(bob.id).at("roles")), R"(["auditor","user"])");

  auto early = Replay({"--at", before_signup});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_FALSE(UsersById(early.out).contains(bob.id));
  EXPECT_TRUE(UsersById(early.out).contains(admin.id));

  // By sequence number: seq 1 is the operator-made admin alone.
  auto first = Replay({"--seq", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto first_users = UsersById(first.out);
  EXPECT_EQ(first_users.size(), 1U);
  EXPECT_TRUE(first_users.contains(admin.id));
}

TEST_F(ReplayTest, DeletedUsersShowErasedPersonalData) {
  Account admin = Admin(api(), server());
  Account carol = SignUp(api(), "carol");
  Pause();
  const std::string while_alive = Now();
  Pause();
  ASSERT_EQ(api().Get("/v1/users/" + carol.id, admin.access, "DELETE").result_int(), 204U);
  auto then = Replay({"--at", while_alive});
  ASSERT_EQ(then.exit_code, 0) << then.err;
  const auto user = UsersById(then.out).at(carol.id);
  // She existed then, but her data key is gone now: erasure holds for the past too.
  EXPECT_EQ(Str(user, "username"), "[erased]");
  EXPECT_EQ(Str(user, "email"), "[erased]");
  EXPECT_EQ(then.out.find(carol.username), std::string::npos);
}

TEST_F(ReplayTest, BadUsageIsExplained) {
  auto neither = Replay({});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("--at"), std::string::npos) << neither.err;
  EXPECT_EQ(Replay({"--at", "yesterday"}).exit_code, 2);
  EXPECT_EQ(Replay({"--at", Now(), "--seq", "3"}).exit_code, 2);
  auto missing =
      RunProcess({AuthdBinary(), "replay", "--data", "/nonexistent/authd", "--seq", "1"});
  EXPECT_EQ(missing.exit_code, 3);
}

}  // namespace
}  // namespace authd::test
