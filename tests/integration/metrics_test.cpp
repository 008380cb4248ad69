// GET /metrics on a real server (counters move with logins, routes are labelled by pattern), the
// switch that turns it off, and the structured security log under hostile input.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/api_client.hpp"
#include "tests/integration/metrics_text.hpp"

namespace authd::test {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class MetricsTest : public ServerSuite<MetricsTest> {
 public:
  static ServerSpec Spec() { return {}; }

 protected:
  std::string Scrape() {
    auto res = api().Get("/metrics");
    EXPECT_EQ(res.result_int(), 200U) << res.body();
    EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
    return res.body();
  }
};

TEST_F(MetricsTest, LoginsMoveTheCounters) {
  const std::string ok = R"(authd_logins_total{outcome="succeeded"})";
  const std::string failed = R"(authd_logins_total{outcome="failed"})";
  const std::string bad_password = R"(authd_login_failures_total{reason="bad_password"})";
  const std::string failed_events = R"(authd_events_total{type="user.login_failed"})";
  const std::string before = Scrape();
  ASSERT_TRUE(Sample(before, ok)) << before;
  ASSERT_TRUE(Sample(before, failed)) << before;
  ASSERT_TRUE(Sample(before, bad_password)) << before;
  ASSERT_TRUE(Sample(before, failed_events)) << before;

  Account a = SignUp(api(), "metrics");
  LogIn(api(), a);
  auto wrong = api().Send("POST", "/v1/sessions",
                          json::object{{"username", a.username}, {"password", "not it at all 1"}});
  EXPECT_EQ(wrong.result_int(), 401U);

  // Committed events are counted before the writer completes the request, so no waiting here.
  const std::string after = Scrape();
  EXPECT_EQ(*Sample(after, ok), *Sample(before, ok) + 1);
  EXPECT_EQ(*Sample(after, failed), *Sample(before, failed) + 1);
  EXPECT_EQ(*Sample(after, bad_password), *Sample(before, bad_password) + 1);
  EXPECT_EQ(*Sample(after, failed_events), *Sample(before, failed_events) + 1);
  // The group commits behind them are timed.
  EXPECT_GE(*Sample(after, "authd_log_commit_seconds_count"), 3.0);
  EXPECT_EQ(Sample(after, R"(authd_log_commit_seconds_bucket{le="+Inf"})"),
            Sample(after, "authd_log_commit_seconds_count"));
  EXPECT_GE(*Sample(after, "authd_log_head_seq"), 3.0);
}

TEST_F(MetricsTest, RoutesAreLabelledByPatternNeverByPath) {
  Account a = NewUser(api(), "routes");
  ASSERT_EQ(api().Get("/v1/users/" + a.id, a.access).result_int(), 200U);
  ASSERT_EQ(api().Get("/no/such/place-" + a.id).result_int(), 404U);
  ASSERT_EQ(api().Get("/v1/users/me", "", "BREW").result_int(), 405U);
  const std::string text = Scrape();
  EXPECT_GE(
      Sample(text, R"(authd_http_requests_total{method="GET",route="/v1/users/{id}",status="200"})")
          .value_or(0),
      1.0)
      << text;
  EXPECT_GE(
      Sample(text, R"(authd_http_requests_total{method="GET",route="unmatched",status="404"})")
          .value_or(0),
      1.0)
      << text;
  EXPECT_GE(
      Sample(text, R"(authd_http_requests_total{method="other",route="unmatched",status="405"})")
          .value_or(0),
      1.0)
      << text;
  EXPECT_EQ(text.find(a.id), std::string::npos) << "a raw path reached a label";
  EXPECT_EQ(text.find("BREW"), std::string::npos);
}

TEST_F(MetricsTest, EveryMetricHasHelpAndType) {
  const std::string text = Scrape();
  std::string last_type;
  for (const auto& line : Lines(text)) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      last_type = line.substr(7, line.find(' ', 7) - 7);
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    EXPECT_EQ(name.rfind(last_type, 0), 0U) << line << " is not under its # TYPE line";
  }
  for (const char* name :
       {"authd_http_requests_total", "authd_events_total", "authd_logins_total",
        "authd_login_failures_total", "authd_log_queue_depth", "authd_log_head_seq",
        "authd_log_commit_seconds", "authd_log_group_commands", "authd_hash_pool_pending",
        "authd_hash_pool_capacity", "authd_security_log_dropped_total",
        "authd_storage_block_cache_bytes", "authd_storage_memtable_bytes",
        "authd_token_cache_entries", "authd_monitor_tracked_entries"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
  }
}

// RocksDB's memory is visible and bounded: one 32 MiB block cache for every family, and a write
// shows up in the memtables until it is flushed.
TEST_F(MetricsTest, StorageMemoryIsReportedWithItsBound) {
  SignUp(api(), "memory");
  const std::string text = Scrape();
  const auto cache = Sample(text, "authd_storage_block_cache_bytes");
  const auto capacity = Sample(text, "authd_storage_block_cache_capacity_bytes");
  const auto memtables = Sample(text, "authd_storage_memtable_bytes");
  ASSERT_TRUE(cache && capacity && memtables) << text;
  EXPECT_EQ(*capacity, 32.0 * 1024 * 1024);
  EXPECT_LE(*cache, *capacity);
  EXPECT_GT(*memtables, 0.0) << "the signup is in a memtable";
  EXPECT_LE(*memtables, 32.0 * 1024 * 1024 * 1.25) << "the write-buffer budget holds";
  EXPECT_TRUE(Sample(text, "authd_storage_table_readers_bytes")) << text;
}

// The in-memory tables that follow the traffic are visible: a new token used once is cached, and
// a failed login on a new account is mirrored by the monitor (which follows commits, so poll).
TEST_F(MetricsTest, InMemoryTablesAreReported) {
  const auto tokens_before = Sample(Scrape(), "authd_token_cache_entries");
  ASSERT_TRUE(tokens_before);
  Account a = NewUser(api(), "tables");
  ASSERT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
  const auto tokens_after = Sample(Scrape(), "authd_token_cache_entries");
  ASSERT_TRUE(tokens_after);
  EXPECT_GT(*tokens_after, *tokens_before);

  const auto tracked_before = Sample(Scrape(), "authd_monitor_tracked_entries");
  ASSERT_TRUE(tracked_before);
  ASSERT_EQ(api()
                .Send("POST", "/v1/sessions",
                      json::object{{"username", a.username}, {"password", kOtherPassword}})
                .result_int(),
            401U);
  std::optional<double> tracked;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int i = 0; i < 250 && std::chrono::steady_clock::now() < deadline; ++i) {
    tracked = Sample(Scrape(), "authd_monitor_tracked_entries");
    if (tracked && *tracked > *tracked_before) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(tracked);
  EXPECT_GT(*tracked, *tracked_before);
}

// Hostile text in a login reaches no log line raw: every line the server wrote stays one valid
// JSON object, no password is ever written, and the security event says what happened.
TEST_F(MetricsTest, SecurityLogSurvivesHostileLogins) {
  const std::string marker = "pw-do-not-log-7c1e9";
  const std::string evil_name =
      "evil\n{\"level\":\"error\",\"msg\":\"forged\"}\r\x1b[31m\x07\x1b]0;title\x07\"\\";
  const std::string evil_agent =
      "agent \"quoted\" \\ \xff\xfe \xc2\x9b"
      "2J";
  auto res = api().Call(
      "POST", "/v1/sessions",
      json::serialize(json::object{{"username", evil_name}, {"password", marker + "-1"}}),
      {{"Content-Type", "application/json"}, {"User-Agent", evil_agent}});
  EXPECT_EQ(res.result_int(), 401U) << res.body();
  const std::string request_id(res["X-Request-Id"]);
  // A User-Agent with ESC is not a valid header value: the server may refuse it, but it must
  // log that safely too.
  auto esc = api().Call(
      "POST", "/v1/sessions",
      json::serialize(json::object{{"username", "nobody-here"}, {"password", marker + "-2"}}),
      {{"Content-Type", "application/json"}, {"User-Agent", "a\x1b[2Jb"}});
  EXPECT_NE(esc.result_int(), 200U);
  Account a = SignUp(api(), "hostile");
  auto wrong = api().Send("POST", "/v1/sessions",
                          json::object{{"username", a.username}, {"password", marker + "-3"}});
  EXPECT_EQ(wrong.result_int(), 401U);

  // The security log is written by its own thread: wait (bounded) for the last event's line.
  std::string log;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (int i = 0; i < 250 && std::chrono::steady_clock::now() < deadline; ++i) {
    log = server().Log();
    if (log.find("\"subject\":\"" + a.id + "\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  bool saw_unknown = false;
  bool saw_bad_password = false;
  for (const auto& line : Lines(log)) {
    boost::system::error_code ec;
    auto value = json::parse(line, ec);
    ASSERT_FALSE(ec) << "not JSON: " << line;
    ASSERT_TRUE(value.is_object()) << line;
    for (char c : line) {
      const auto b = static_cast<unsigned char>(c);
      ASSERT_TRUE(b >= 0x20 && b != 0x7f) << "raw control byte " << int(b) << " in " << line;
    }
    const auto& o = value.as_object();
    EXPECT_NE(o.at("msg"), "forged");
    if (o.at("msg") != "security event") continue;
    if (o.at("type") == "user.login_failed" && o.at("request_id") == json::value(request_id)) {
      saw_unknown = true;
      EXPECT_EQ(o.at("subject"), "unknown_accounts");
      EXPECT_EQ(o.at("reason"), "unknown_user");
      EXPECT_TRUE(o.at("seq").is_number());
    }
    if (o.at("type") == "user.login_failed" && o.at("subject") == json::value(a.id)) {
      saw_bad_password = true;
      EXPECT_EQ(o.at("reason"), "bad_password");
    }
  }
  EXPECT_TRUE(saw_unknown) << log;
  EXPECT_TRUE(saw_bad_password) << log;
  EXPECT_EQ(log.find(marker), std::string::npos) << "a password reached the server's output";
  EXPECT_EQ(log.find("evil"), std::string::npos) << "an attacker's username was logged";
  EXPECT_EQ(log.find("agent"), std::string::npos) << "a User-Agent was logged";
}

class MetricsOffTest : public ServerSuite<MetricsOffTest> {
 public:
  static ServerSpec Spec() { return {.flags = {"--metrics", "false"}}; }
};

TEST_F(MetricsOffTest, MetricsCanBeTurnedOff) {
  ExpectProblem(api().Get("/metrics"), 404, "not_found");
  EXPECT_EQ(api().Get("/healthz").result_int(), 200U);
}

}  // namespace
}  // namespace authd::test
