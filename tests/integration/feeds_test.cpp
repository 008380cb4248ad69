// Black-box tests of the audit feed and the live streams (API.md "Audit and security",
// docs/FEEDS.md) against a real `authd serve`: who may read them, filters and paging, the
// hand-over from replay to live without gap or duplicate, erased personal data, and that no
// secret ever appears.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/client/ws_client.hpp"
#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

constexpr const char* kDashboardOrigin = "https://dash.example.com";

class FeedsTest : public ServerSuite<FeedsTest> {
 public:
  static ServerSpec Spec() {
    return {.with_admin = true, .flags = {"--sync", "false", "--allowed-origin", kDashboardOrigin}};
  }
};

WsClient::Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// Every audit event after `after`, paging through GET /v1/audit/events.
std::vector<json::object> AllEvents(const Api& api, const std::string& token,
                                    const std::string& filters = "", std::uint64_t after = 0) {
  std::vector<json::object> out;
  for (int page = 0; page < 1000; ++page) {
    auto res =
        api.Get("/v1/audit/events?limit=1000&after=" + std::to_string(after) + filters, token);
    EXPECT_EQ(res.result_int(), 200U) << res.body();
    if (res.result_int() != 200) break;
    auto body = JsonObject(res);
    const auto& items = body.at("items").as_array();
    if (items.empty()) break;
    for (const auto& item : items)
      out.push_back(item.as_object());
    after = body.at("next_after").to_number<std::uint64_t>();
  }
  return out;
}

std::uint64_t Seq(const json::object& e) {
  return e.at("seq").to_number<std::uint64_t>();
}

void ChangeRoles(const Api& api, const std::string& admin_token, const std::string& id,
                 bool auditor) {
  json::array roles{"user"};
  if (auditor) roles.emplace_back("auditor");
  auto res =
      api.Send("PUT", "/v1/users/" + id + "/roles", json::object{{"roles", roles}}, admin_token);
  EXPECT_EQ(res.result_int(), 200U) << res.body();
}

// Reads messages until one has seq >= last (or the stream ends); returns the seqs seen.
std::vector<std::uint64_t> ReadUntil(WsClient& ws, std::uint64_t last,
                                     std::vector<std::string>* texts = nullptr) {
  std::vector<std::uint64_t> seqs;
  for (int i = 0; i < 100'000; ++i) {
    auto msg = ws.Read();
    if (!msg) break;
    if (texts != nullptr) texts->push_back(*msg);
    seqs.push_back(json::parse(*msg).at("seq").to_number<std::uint64_t>());
    if (seqs.back() >= last) break;
  }
  return seqs;
}

void ExpectConsecutive(const std::vector<std::uint64_t>& seqs, std::uint64_t first,
                       std::uint64_t last) {
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.front(), first);
  EXPECT_EQ(seqs.back(), last);
  for (std::size_t i = 1; i < seqs.size(); ++i) {
    ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "gap or duplicate after seq " << seqs[i - 1];
  }
}

TEST_F(FeedsTest, UpgradeNeedsAnAdminOrAuditorToken) {
  const auto port = server().port();
  {
    WsClient ws(port, "/v1/audit/stream");
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.response().result_int(), 401U) << ws.response().body();
    EXPECT_NE(ws.response().body().find("invalid_token"), std::string::npos);
  }
  {
    WsClient ws(port, "/v1/security/stream", Bearer("not.a.token"));
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.response().result_int(), 401U) << ws.response().body();
  }
  Account plain = NewUser(api(), "feedplain");
  for (const char* target : {"/v1/audit/stream?after=0", "/v1/security/stream"}) {
    WsClient ws(port, target, Bearer(plain.access));
    EXPECT_FALSE(ws.open()) << target;
    EXPECT_EQ(ws.response().result_int(), 403U) << target;
    EXPECT_EQ(ws.response()[http::field::content_type], "application/problem+json");
    EXPECT_NE(ws.response().body().find("forbidden"), std::string::npos);
  }
  ExpectProblem(api().Get("/v1/audit/events", plain.access), 403, "forbidden");
  ExpectProblem(api().Get("/v1/audit/events"), 401, "invalid_token");

  // An auditor may; roles are read at the upgrade, not from the token.
  Account admin = Admin(api(), server());
  ChangeRoles(api(), admin.access, plain.id, true);
  WsClient ws(port, "/v1/audit/stream?after=0", Bearer(plain.access));
  EXPECT_TRUE(ws.open()) << ws.response().body();
  auto first = ws.Read();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(Seq(json::parse(*first).as_object()), 1U);
  EXPECT_EQ(api().Get("/v1/audit/events?limit=1", plain.access).result_int(), 200U);
}

TEST_F(FeedsTest, CookieUpgradeNeedsAnAllowedOrigin) {
  Account admin = Admin(api(), server());
  const std::string cookie = "__Host-authd_at=" + admin.access;
  {
    WsClient ws(server().port(), "/v1/security/stream",
                {{"Cookie", cookie}, {"Origin", "https://evil.example.net"}});
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.response().result_int(), 403U) << ws.response().body();
    EXPECT_NE(ws.response().body().find("csrf_failed"), std::string::npos);
  }
  {
    WsClient ws(server().port(), "/v1/security/stream", {{"Cookie", cookie}});  // no Origin
    EXPECT_FALSE(ws.open());
    EXPECT_EQ(ws.response().result_int(), 403U) << ws.response().body();
  }
  WsClient ws(server().port(), "/v1/security/stream",
              {{"Cookie", "theme=dark; " + cookie}, {"Origin", kDashboardOrigin}});
  ASSERT_TRUE(ws.open()) << ws.response().body();
  // The security stream without a failed-login monitor: counters of zero, once a second.
  auto msg = ws.Read();
  ASSERT_TRUE(msg.has_value()) << ws.error().message();
  auto counters = json::parse(*msg).as_object();
  EXPECT_EQ(Str(counters, "type"), "counters");
  EXPECT_EQ(counters.at("active_throttles").to_number<int>(), 0);
  EXPECT_TRUE(counters.at("per_second").is_object());
}

TEST_F(FeedsTest, PlainGetIsAskedToUpgrade) {
  Account admin = Admin(api(), server());
  auto res = api().Get("/v1/audit/stream", admin.access);
  ExpectProblem(res, 426, "upgrade_required");
  EXPECT_EQ(res["Upgrade"], "websocket");
  ExpectValidation(api().Get("/v1/audit/events?limit=0", admin.access), "limit", "out_of_range");
  ExpectValidation(api().Get("/v1/audit/events?after=x", admin.access), "after", "out_of_range");
}

TEST_F(FeedsTest, ListFiltersAndPages) {
  Account admin = Admin(api(), server());
  Account u = SignUp(api(), "feedlist");
  for (int i = 0; i < 5; ++i)
    ChangeRoles(api(), admin.access, u.id, i % 2 == 0);

  auto mine = AllEvents(api(), admin.access, "&user=" + u.id);
  ASSERT_EQ(mine.size(), 6U);  // signed up + 5 role changes
  EXPECT_EQ(Str(mine[0], "type"), "user.signed_up");
  for (std::size_t i = 1; i < mine.size(); ++i) {
    EXPECT_EQ(Str(mine[i], "type"), "user.roles_changed");
    EXPECT_GT(Seq(mine[i]), Seq(mine[i - 1]));
    EXPECT_EQ(Str(mine[i].at("actor").as_object(), "user_id"), admin.id);
    EXPECT_EQ(Str(mine[i].at("actor").as_object(), "ip"), "127.0.0.1");
    EXPECT_EQ(Str(mine[i], "subject"), u.id);
    EXPECT_TRUE(IsRfc3339Utc(Str(mine[i], "at")));
    EXPECT_EQ(Str(mine[i], "hash").size(), 64U);
  }
  auto roles_of_u = AllEvents(api(), admin.access, "&type=user.roles_changed&user=" + u.id);
  EXPECT_EQ(roles_of_u.size(), 5U);

  // Paging by two through the type filter gives the same events, in order, each once.
  const std::uint64_t from = Seq(mine[0]);
  std::vector<std::uint64_t> paged;
  std::uint64_t after = from;
  for (int page = 0; page < 50; ++page) {
    auto res =
        api().Get("/v1/audit/events?type=user.roles_changed&limit=2&after=" + std::to_string(after),
                  admin.access);
    ASSERT_EQ(res.result_int(), 200U) << res.body();
    auto body = JsonObject(res);
    const auto& items = body.at("items").as_array();
    EXPECT_LE(items.size(), 2U);
    if (items.empty()) break;
    for (const auto& item : items) {
      EXPECT_EQ(Str(item.as_object(), "type"), "user.roles_changed");
      paged.push_back(Seq(item.as_object()));
    }
    after = body.at("next_after").to_number<std::uint64_t>();
    EXPECT_EQ(after, paged.back());
  }
  std::vector<std::uint64_t> expected;
  for (std::size_t i = 1; i < mine.size(); ++i)
    expected.push_back(Seq(mine[i]));
  EXPECT_EQ(paged, expected);  // nobody else changed roles since
}

TEST_F(FeedsTest, ErasedUserShowsErasedEverywhere) {
  Account admin = Admin(api(), server());
  Account u = SignUp(api(), "feederase");
  auto before = AllEvents(api(), admin.access, "&user=" + u.id);
  ASSERT_FALSE(before.empty());
  const auto& signed_up = before.front();
  EXPECT_EQ(Str(signed_up.at("data").as_object(), "email"), u.email);
  EXPECT_EQ(Str(signed_up.at("data").as_object(), "username"), u.username);
  const std::uint64_t seq = Seq(signed_up);

  ASSERT_EQ(api().Get("/v1/users/" + u.id, admin.access, "DELETE").result_int(), 204U);
  auto after = AllEvents(api(), admin.access, "&user=" + u.id);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(Seq(after.front()), seq);
  EXPECT_EQ(Str(after.front().at("data").as_object(), "email"), "[erased]");
  EXPECT_EQ(Str(after.front().at("data").as_object(), "username"), "[erased]");
  EXPECT_EQ(Str(after.front().at("actor").as_object(), "ip"), "[erased]");
  for (const auto& e : after) {
    EXPECT_EQ(json::serialize(e).find(u.email), std::string::npos) << json::serialize(e);
  }
  // The stream replays the same, erased.
  WsClient ws(server().port(), "/v1/audit/stream?after=" + std::to_string(seq - 1),
              Bearer(admin.access));
  ASSERT_TRUE(ws.open()) << ws.response().body();
  auto msg = ws.Read();
  ASSERT_TRUE(msg.has_value());
  auto replayed = json::parse(*msg).as_object();
  EXPECT_EQ(Seq(replayed), seq);
  EXPECT_EQ(Str(replayed.at("data").as_object(), "email"), "[erased]");
}

TEST_F(FeedsTest, NoSecretInAnyAuditOutput) {
  Account admin = Admin(api(), server());
  Account u = NewUser(api(), "feedsecret");
  auto refreshed =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", u.refresh}});
  ASSERT_EQ(refreshed.result_int(), 200U) << refreshed.body();
  const std::string new_refresh = Str(JsonObject(refreshed), "refresh_token");
  auto wrong = api().Send("POST", "/v1/sessions",
                          json::object{{"username", u.username}, {"password", kOtherPassword}});
  EXPECT_EQ(wrong.result_int(), 401U);

  std::string everything;
  for (const auto& e : AllEvents(api(), admin.access))
    everything += json::serialize(e) + "\n";
  WsClient ws(server().port(), "/v1/audit/stream?after=0", Bearer(admin.access));
  ASSERT_TRUE(ws.open());
  auto head = AllEvents(api(), admin.access);
  ASSERT_FALSE(head.empty());
  std::vector<std::string> texts;
  ReadUntil(ws, Seq(head.back()), &texts);
  EXPECT_FALSE(texts.empty());
  for (const auto& t : texts)
    everything += t + "\n";

  for (const std::string& secret :
       {std::string(kPassword), std::string(kOtherPassword), std::string("$argon2"), u.access,
        u.refresh, new_refresh, admin.access, admin.refresh,
        std::string(AuthdServer::kAdminPassword)}) {
    EXPECT_EQ(everything.find(secret), std::string::npos) << "audit output holds a secret";
  }
  EXPECT_EQ(everything.find("password_hash"), std::string::npos);
}

// A subscriber that joins with after=0 while writers commit receives 1..N in order, each once,
// across the hand-over from the log to the live broadcast.
TEST_F(FeedsTest, ReplayThenLiveWithoutGapOrDuplicate) {
  Account admin = Admin(api(), server());
  std::vector<Account> users;
  for (int i = 0; i < 3; ++i)
    users.push_back(SignUp(api(), "feedlive"));
  std::atomic<int> done{0};
  std::vector<std::thread> writers;
  for (const auto& u : users) {
    writers.emplace_back([&, id = u.id] {
      for (int i = 0; i < 60; ++i) {
        ChangeRoles(api(), admin.access, id, i % 2 == 0);
        done.fetch_add(1);
      }
    });
  }
  // Join while the writers are busy.
  for (int i = 0; i < 500 && done.load() < 30; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  WsClient ws(server().port(), "/v1/audit/stream?after=0", Bearer(admin.access));
  ASSERT_TRUE(ws.open()) << ws.response().body();
  for (auto& w : writers)
    w.join();
  auto head = AllEvents(api(), admin.access);
  ASSERT_FALSE(head.empty());
  const std::uint64_t last = Seq(head.back());
  auto seqs = ReadUntil(ws, last);
  ExpectConsecutive(seqs, 1, last);
  // And it stays live: one more write arrives at once.
  ChangeRoles(api(), admin.access, users[0].id, true);
  auto next = ws.Read();
  ASSERT_TRUE(next.has_value());
  auto e = json::parse(*next).as_object();
  EXPECT_EQ(Seq(e), last + 1);
  EXPECT_EQ(Str(e, "type"), "user.roles_changed");
}

TEST_F(FeedsTest, ClientMessageOverTheLimitCloses) {
  Account admin = Admin(api(), server());
  WsClient ws(server().port(), "/v1/security/stream", Bearer(admin.access));
  ASSERT_TRUE(ws.open()) << ws.response().body();
  ASSERT_TRUE(ws.Write("small messages are read and ignored"));
  ASSERT_TRUE(ws.Write(std::string(8 * 1024, 'x')));  // over --ws-max-message-bytes (4 KiB)
  for (int i = 0; i < 10 && ws.Read().has_value(); ++i) {
  }
  EXPECT_FALSE(ws.open());
  EXPECT_EQ(ws.close_code(), 1009U) << ws.error().message();
}

// The stream is authorized at the upgrade; it ends (1008) when that access token expires.
class FeedExpiryTest : public ServerSuite<FeedExpiryTest> {
 public:
  static ServerSpec Spec() { return {.with_admin = true, .flags = {"--access-ttl", "2"}}; }
};

TEST_F(FeedExpiryTest, StreamClosesWhenTheTokenExpires) {
  Account admin = Admin(api(), server());
  WsClient ws(server().port(), "/v1/security/stream", Bearer(admin.access));
  ASSERT_TRUE(ws.open()) << ws.response().body();
  int counters = 0;
  for (int i = 0; i < 10 && ws.Read().has_value(); ++i)
    ++counters;
  EXPECT_FALSE(ws.open());
  EXPECT_EQ(ws.close_code(), 1008U) << ws.error().message();
  EXPECT_LE(counters, 4);  // about two seconds of counters, not ten
}

}  // namespace
}  // namespace authd::test
