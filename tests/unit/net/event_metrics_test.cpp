// Event-driven metrics and the security log, on a real event log.
#include "net/event_metrics.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "net/log.hpp"
#include "net/metrics.hpp"
#include "net/security_log.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::net {
namespace {

using storage::test_support::AppendAll;
using storage::test_support::MakeEvent;
using storage::test_support::NoProjections;
using storage::test_support::OpenOrDie;
using storage::test_support::Options;
using storage::test_support::TempDir;

bool HasLine(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(EventMetricsTest, CountsCommittedEventsByTypeAndOutcome) {
  TempDir dir;
  core::ManualClock clock;
  auto log = OpenOrDie(Options(dir.path()), clock, NoProjections());
  ASSERT_NE(log, nullptr);
  MetricsRegistry registry;
  EventMetrics metrics(*log, registry);
  ASSERT_TRUE(log->Execute(AppendAll({
      MakeEvent("user.login_failed", "u1", {{"reason", "bad_password"}}),
      MakeEvent("user.login_failed", "u1", {{"reason", "bad_password"}}),
      MakeEvent("user.login_succeeded", "u1"),
      // A type this build does not define, as a throttling feature would record it.
      MakeEvent("user.login_throttled", "u1"),
  })));
  const std::string text = registry.Render();
  EXPECT_TRUE(HasLine(text, R"(authd_events_total{type="user.login_failed"} 2)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_events_total{type="user.login_throttled"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_events_total{type="user.signed_up"} 0)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_logins_total{outcome="failed"} 2)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_logins_total{outcome="succeeded"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_logins_total{outcome="throttled"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(authd_login_failures_total{reason="bad_password"} 2)")) << text;
}

TEST(SecurityLogTest, OneSafeLinePerSecurityEvent) {
  std::mutex mu;
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) {
    std::lock_guard lock(mu);
    lines.emplace_back(line);
  });
  {
    TempDir dir;
    core::ManualClock clock;
    auto log = OpenOrDie(Options(dir.path()), clock, NoProjections());
    ASSERT_NE(log, nullptr);
    SecurityLog security(*log);
    auto reuse = MakeEvent("session.refresh_reuse_detected", "usr_1",
                           {{"session_id", "ses_1"}, {"refresh_hash", "deadbeef"}});
    auto roles = MakeEvent(
        "user.roles_changed", "usr_2",
        {{"roles", boost::json::array{"admin", "user"}}, {"previous", boost::json::array{"user"}}});
    ASSERT_TRUE(log->Execute(AppendAll(
        {MakeEvent("user.profile_updated", "usr_1"), reuse, roles})));  // the first is not logged
  }  // SecurityLog's destructor writes what is queued
  SetLogSink({});
  std::vector<boost::json::object> security;
  for (const auto& line : lines) {
    auto o = boost::json::parse(line).as_object();
    if (o.at("msg") == "security event") security.push_back(o);
    EXPECT_EQ(line.find("deadbeef"), std::string::npos) << "a refresh-token hash was logged";
  }
  ASSERT_EQ(security.size(), 2U);
  EXPECT_EQ(security[0].at("type"), "session.refresh_reuse_detected");
  EXPECT_EQ(security[0].at("seq"), 2);
  EXPECT_EQ(security[0].at("subject"), "usr_1");
  EXPECT_EQ(security[0].at("actor"), "usr_actor");
  EXPECT_EQ(security[0].at("request_id"), "req-1");
  EXPECT_EQ(security[0].at("session_id"), "ses_1");
  EXPECT_FALSE(security[0].contains("refresh_hash"));
  EXPECT_EQ(security[1].at("type"), "user.roles_changed");
  EXPECT_EQ(boost::json::serialize(security[1].at("roles")), R"(["admin","user"])");
  EXPECT_EQ(boost::json::serialize(security[1].at("previous")), R"(["user"])");
}

}  // namespace
}  // namespace authd::net
