#include "net/body.hpp"

#include <gtest/gtest.h>

#include <string>

#include "net/errors.hpp"

namespace authd::net {
namespace {

Request JsonRequest(std::string body, std::string content_type = "application/json") {
  Request r;
  r.method = "POST";
  if (!content_type.empty()) r.headers.emplace_back("content-type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

TEST(ParseJsonBody, AcceptsAnObject) {
  auto parsed = ParseJsonBody(JsonRequest(R"({"username":"ann","n":[1,{"x":null}]})"));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at("username").as_string(), "ann");
}

TEST(ParseJsonBody, ContentTypeMustBeJson) {
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "")).error(), Errc::kUnsupportedMediaType);
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "text/plain")).error(), Errc::kUnsupportedMediaType);
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "application/json-patch+json")).error(),
            Errc::kUnsupportedMediaType);
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "application/json; charset=latin1")).error(),
            Errc::kUnsupportedMediaType);
  EXPECT_EQ(ParseJsonBody(JsonRequest("{}", "application/json; boundary=x")).error(),
            Errc::kUnsupportedMediaType);
}

TEST(ParseJsonBody, CharsetParameterIsAllowed) {
  for (auto type : {"application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"",
                    "application/json ; charset = utf-8", "application/json;"}) {
    EXPECT_TRUE(IsJsonContentType(type)) << type;
  }
}

TEST(ParseJsonBody, MalformedOrNotAnObject) {
  for (auto body :
       {"", "{", "{\"a\":1} x", "[1]", "\"s\"", "42", "null", "{'a':1}", "{\"a\":\"\xff\"}"}) {
    EXPECT_EQ(ParseJsonBody(JsonRequest(body)).error(), Errc::kMalformedJson) << body;
  }
}

TEST(ParseJsonBody, DepthIsLimited) {
  auto nested = [](std::size_t depth) {
    std::string s = "{\"a\":";
    for (std::size_t i = 1; i < depth; ++i)
      s += "[";
    s += "1";
    for (std::size_t i = 1; i < depth; ++i)
      s += "]";
    return s + "}";
  };
  EXPECT_TRUE(ParseJsonBody(JsonRequest(nested(kMaxJsonDepth))).has_value());
  EXPECT_EQ(ParseJsonBody(JsonRequest(nested(kMaxJsonDepth + 1))).error(), Errc::kMalformedJson);
  EXPECT_EQ(ParseJsonBody(JsonRequest(nested(100000))).error(), Errc::kMalformedJson);
}

}  // namespace
}  // namespace authd::net
