#include "net/log.hpp"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <string>
#include <vector>

namespace authd::net {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetLogSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetLogSink({});
    SetLogLevel(LogLevel::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  LogInfo("hello", {{"n", 3}, {"who", "ann"}});
  ASSERT_EQ(lines_.size(), 1u);
  auto v = boost::json::parse(lines_[0]).as_object();
  EXPECT_EQ(v.at("level"), "info");
  EXPECT_EQ(v.at("msg"), "hello");
  EXPECT_EQ(v.at("n"), 3);
  EXPECT_EQ(v.at("who"), "ann");
  EXPECT_TRUE(v.at("ts").is_string());
}

TEST_F(LogTest, HostileTextCannotForgeALine) {
  LogWarn("x\n{\"level\":\"error\"}",
          {{"path", "/a\r\n{\"msg\":\"forged\"}"}, {"msg", "override"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find('\n'), std::string::npos);
  EXPECT_EQ(lines_[0].find('\r'), std::string::npos);
  auto v = boost::json::parse(lines_[0]).as_object();
  EXPECT_EQ(v.at("level"), "warn");
  EXPECT_EQ(v.at("msg"), "x\n{\"level\":\"error\"}");  // reserved keys are not overridden
  EXPECT_EQ(v.at("path"), "/a\r\n{\"msg\":\"forged\"}");
}

TEST_F(LogTest, ControlCharactersAndBadUtf8StayInsideOneValidLine) {
  // ESC [ 31m (ANSI colour), BEL, DEL, a C1 CSI (U+009B), invalid UTF-8 and a lone continuation.
  const std::string hostile =
      "a\x1b[31mred\x07\x7f\xc2\x9b"
      "2J\xff\xfe\x80z\u00e9";
  LogInfo("m", {{"ua", hostile},
                {"nested", boost::json::array{hostile}},
                {hostile, 1},
                {"deep", boost::json::object{{hostile, hostile}}}});
  ASSERT_EQ(lines_.size(), 1u);
  const auto& line = lines_[0];
  for (char c : line) {
    const auto b = static_cast<unsigned char>(c);
    EXPECT_TRUE(b >= 0x20 && b != 0x7f) << "raw control byte " << int(b);
  }
  EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  const std::string ua(v.at("ua").as_string());
  EXPECT_EQ(ua.substr(0, 2), "a\x1b");  // ESC survives as a value, written escaped (\u001b)
  EXPECT_NE(line.find("\\u001b"), std::string::npos);
  EXPECT_NE(ua.find("\u00e9"), std::string::npos);  // valid non-ASCII text is kept
  EXPECT_NE(ua.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_EQ(v.at("nested").as_array().at(0).as_string(), ua);
  const auto& deep = v.at("deep").as_object();  // a nested key is cleaned like a top-level one
  ASSERT_EQ(deep.size(), 1u);
  EXPECT_EQ(deep.begin()->value().as_string(), ua);
  EXPECT_EQ(std::string(deep.begin()->key()), ua);
}

TEST_F(LogTest, SensitiveKeysAreRedacted) {
  LogError("oops", {{"Authorization", "Bearer abc"},
                    {"password", "hunter2hunter2"},
                    {"refresh_token", "rt"},
                    {"status", 500}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].find("abc"), std::string::npos);
  EXPECT_EQ(lines_[0].find("hunter2"), std::string::npos);
  auto v = boost::json::parse(lines_[0]).as_object();
  EXPECT_EQ(v.at("Authorization"), "[redacted]");
  EXPECT_EQ(v.at("refresh_token"), "[redacted]");
  EXPECT_EQ(v.at("status"), 500);
}

TEST_F(LogTest, LevelFilters) {
  SetLogLevel(LogLevel::kWarn);
  LogDebug("d");
  LogInfo("i");
  LogWarn("w");
  LogError("e");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(boost::json::parse(lines_[0]).at("level"), "warn");
  EXPECT_EQ(GetLogLevel(), LogLevel::kWarn);
}

// The access log's path (AppendLogLine) keeps every rule of Log: one valid line per call, reserved
// keys dropped, sensitive ones redacted, hostile text cleaned, the level respected.
TEST_F(LogTest, AppendedLinesFollowTheSameRules) {
  const std::string hostile = "/a\r\n{\"msg\":\"forged\"}\x1b[31m\xff\xc2\x9b";
  std::string out = "earlier line\n";
  ASSERT_TRUE(AppendLogLine(out, LogLevel::kInfo, "request",
                            {{"path", hostile},
                             {"status", std::int64_t{404}},
                             {"duration_ms", 0.25},
                             {"msg", "override"},
                             {"session_token", "tok-value"}}));
  ASSERT_EQ(out.substr(0, 13), "earlier line\n");
  const std::string line = out.substr(13);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find("\xc2\x9b"), std::string::npos);
  EXPECT_EQ(line.find("tok-value"), std::string::npos);
  auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("level"), "info");
  EXPECT_EQ(v.at("msg"), "request");
  EXPECT_EQ(v.at("status"), 404);
  EXPECT_EQ(v.at("duration_ms"), 0.25);
  EXPECT_EQ(v.at("session_token"), "[redacted]");
  const std::string path(v.at("path").as_string());
  EXPECT_EQ(path.substr(0, 20), "/a\r\n{\"msg\":\"forged\"}");
  EXPECT_NE(path.find("\xEF\xBF\xBD"), std::string::npos);

  // The same fields through Log give the same line, but for the time stamp.
  LogInfo("request", {{"path", hostile},
                      {"status", 404},
                      {"duration_ms", 0.25},
                      {"msg", "override"},
                      {"session_token", "tok-value"}});
  ASSERT_EQ(lines_.size(), 1u);
  auto without_ts = [](std::string text) { return text.substr(text.find("\"level\"")); };
  EXPECT_EQ(without_ts(lines_[0]), without_ts(line.substr(0, line.size() - 1)));

  SetLogLevel(LogLevel::kWarn);
  std::string untouched;
  EXPECT_FALSE(AppendLogLine(untouched, LogLevel::kInfo, "request", {{"status", std::int64_t{1}}}));
  EXPECT_TRUE(untouched.empty());
}

}  // namespace
}  // namespace authd::net
