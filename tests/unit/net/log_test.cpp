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

}  // namespace
}  // namespace authd::net
