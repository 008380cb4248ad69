// SIGKILL during a mixed write load over HTTP, for many rounds: client threads sign up, log in,
// patch profiles, have their roles changed by an admin and log out; the server is killed at a
// random moment; after a restart every write that was acknowledged (2xx) is there, a write that
// was in flight is either there or not (never half), and `authd verify` finds the chain intact and
// every projection equal to its rebuild. Storage-level crashes are tests/slow/crash_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

constexpr int kRounds = 20;
constexpr int kWorkers = 3;
constexpr auto kCallTimeout = std::chrono::seconds(20);

// One request on its own connection; nullopt when no answer came (the server died meanwhile).
std::optional<ClientResponse> Try(std::uint16_t port, std::string_view method,
                                  std::string_view target, const json::value* body,
                                  const std::string& token) {
  TestClient client(port, kCallTimeout);
  if (!client.connected()) return std::nullopt;
  ExtraHeaders headers;
  if (body != nullptr) headers.emplace_back("Content-Type", "application/json");
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return client.Do(method, target, body != nullptr ? json::serialize(*body) : std::string(),
                   headers);
}

// What one write may have done: `acked` is the last value the server confirmed, `pending` the
// value of a request that got no answer (it may or may not have been committed).
struct Field {
  std::string acked;
  std::optional<std::string> pending;
  [[nodiscard]] bool Allows(const std::string& seen) const {
    return seen == acked || (pending && seen == *pending);
  }
};

struct SessionRecord {
  std::string refresh;
  bool logout_acked = false;
  bool logout_pending = false;
};

struct UserRecord {
  std::string id;
  std::string username;
  Field display_name;
  Field roles;  // serialized JSON array, as the server renders it
  std::vector<SessionRecord> sessions;
};

// One client thread's work until the server dies or `stop` is set: returns the users whose
// signup was acknowledged, with everything acknowledged or pending about them.
std::vector<UserRecord> Work(std::uint16_t port, const std::string& admin_token, int worker,
                             const std::atomic<bool>& stop) {
  std::vector<UserRecord> users;
  for (int i = 0; i < 1000 && !stop; ++i) {
    UserRecord u;
    u.username = NewName("crash" + std::to_string(worker));
    json::value signup = SignupBody(u.username, u.username + "@example.com", kPassword);
    auto created = Try(port, "POST", "/v1/users", &signup, {});
    if (!created) return users;  // in flight at the crash: may or may not exist
    if (created->result_int() != 201) {
      ADD_FAILURE() << "signup: " << Describe(*created);
      return users;
    }
    const auto fresh = JsonObject(*created);
    u.id = Str(fresh, "id");
    u.display_name.acked = Str(fresh, "display_name");
    u.roles.acked = Roles(fresh);
    users.push_back(u);
    UserRecord& rec = users.back();

    json::value login = json::object{{"username", u.username}, {"password", kPassword}};
    auto logged = Try(port, "POST", "/v1/sessions", &login, {});
    if (!logged) return users;
    if (logged->result_int() != 200) {
      ADD_FAILURE() << "login: " << Describe(*logged);
      return users;
    }
    auto tokens = JsonObject(*logged);
    const std::string access = Str(tokens, "access_token");
    rec.sessions.push_back({Str(tokens, "refresh_token")});

    const std::string name = "dn " + std::to_string(i);
    json::value patch = json::object{{"display_name", name}};
    auto patched = Try(port, "PATCH", "/v1/users/me", &patch, access);
    if (!patched) {
      rec.display_name.pending = name;
      return users;
    }
    if (patched->result_int() != 200) ADD_FAILURE() << "patch: " << Describe(*patched);
    rec.display_name.acked = name;

    const std::string role = "r" + std::to_string(i % 3);
    json::value roles = json::object{{"roles", json::array{"user", role}}};
    const std::string expected_roles = json::serialize(json::array{role, "user"});
    auto changed = Try(port, "PUT", "/v1/users/" + rec.id + "/roles", &roles, admin_token);
    if (!changed) {
      rec.roles.pending = expected_roles;
      return users;
    }
    if (changed->result_int() != 200) ADD_FAILURE() << "roles: " << Describe(*changed);
    rec.roles.acked = Roles(JsonObject(*changed));

    auto out = Try(port, "DELETE", "/v1/sessions/current", nullptr, access);
    if (!out) {
      rec.sessions.back().logout_pending = true;
      return users;
    }
    if (out->result_int() != 204) ADD_FAILURE() << "logout: " << Describe(*out);
    rec.sessions.back().logout_acked = true;
  }
  return users;
}

// Checks one user against what was acknowledged; `check_sessions` also tries each refresh token
// (which rotates it, so only once per user).
void Check(const Api& api, const std::string& admin_token, const UserRecord& u,
           bool check_sessions) {
  auto got = api.Get("/v1/users/" + u.id, admin_token);
  ASSERT_EQ(got.result_int(), 200U)
      << "acknowledged signup of " << u.username << " lost: " << Describe(got);
  auto user = JsonObject(got);
  EXPECT_TRUE(u.display_name.Allows(Str(user, "display_name")))
      << u.username << ": display_name " << Str(user, "display_name") << ", acknowledged '"
      << u.display_name.acked << "'";
  EXPECT_TRUE(u.roles.Allows(Roles(user)))
      << u.username << ": roles " << Roles(user) << ", acknowledged " << u.roles.acked;
  if (!check_sessions) return;
  for (const auto& s : u.sessions) {
    if (s.logout_pending) continue;
    auto refreshed =
        api.Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", s.refresh}});
    if (s.logout_acked) {
      EXPECT_EQ(refreshed.result_int(), 401U) << u.username << ": logged-out session came back";
    } else {
      EXPECT_EQ(refreshed.result_int(), 200U)
          << u.username << ": acknowledged login lost: " << Describe(refreshed);
    }
  }
}

TEST(CrashHttpSlowTest, AcknowledgedWritesSurviveSigkillUnderMixedLoad) {
  AuthdServer server({.with_admin = true});
  ASSERT_TRUE(server.ok()) << server.error();
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> kill_after_ms(50, 600);
  std::vector<UserRecord> all;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Api api(server.port(), kCallTimeout);
    const std::string admin_token = Admin(api, server).access;
    ASSERT_FALSE(admin_token.empty());

    std::atomic<bool> stop{false};
    std::vector<std::vector<UserRecord>> results(kWorkers);
    std::vector<std::thread> workers;
    for (int w = 0; w < kWorkers; ++w) {
      workers.emplace_back([&, w] { results[w] = Work(server.port(), admin_token, w, stop); });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms(rng)));
    server.Kill();
    stop = true;
    for (auto& t : workers)
      t.join();

    auto verify = RunProcess({AuthdBinary(), "verify", "--data", server.data_dir()});
    ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;

    ASSERT_TRUE(server.Restart()) << server.error();
    Api after(server.port(), kCallTimeout);
    const std::string admin_after = Admin(after, server).access;
    for (auto& r : results) {
      for (auto& u : r) {
        Check(after, admin_after, u, true);
        all.push_back(std::move(u));
      }
    }
    if (HasFatalFailure()) return;
  }
  // Earlier rounds' writes survived the later crashes too.
  Api api(server.port(), kCallTimeout);
  const std::string admin_token = Admin(api, server).access;
  for (const auto& u : all)
    Check(api, admin_token, u, false);
  EXPECT_GT(all.size(), static_cast<std::size_t>(kRounds));  // the load did write
  ASSERT_TRUE(server.Stop());
  auto verify = RunProcess({AuthdBinary(), "verify", "--data", server.data_dir()});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace authd::test
