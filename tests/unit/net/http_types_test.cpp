#include "net/http_types.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/error.hpp"
#include "net/errors.hpp"
#include "net/problems.hpp"
#include "net/url.hpp"
#include "storage/error.hpp"

namespace authd::net {
namespace {

TEST(ProblemResponse, HasTheRfc9457Shape) {
  std::vector<core::FieldError> errors{{"email", "invalid_format", "Not an email address."}};
  auto res =
      ProblemResponse(422, "validation_failed", "Unprocessable Content", "Bad fields.", errors);
  EXPECT_EQ(res.status, 422u);
  EXPECT_EQ(res.content_type, "application/problem+json");
  auto body = boost::json::parse(res.body);
  EXPECT_EQ(body, (boost::json::value{{"type", "https://authd.dev/problems/validation_failed"},
                                      {"title", "Unprocessable Content"},
                                      {"status", 422},
                                      {"detail", "Bad fields."},
                                      {"code", "validation_failed"},
                                      {"errors",
                                       {{{"field", "email"},
                                         {"code", "invalid_format"},
                                         {"message", "Not an email address."}}}}}));
}

TEST(ProblemResponse, NoErrorsMemberWithoutErrors) {
  auto body = boost::json::parse(ProblemResponse(404, "not_found", "Not Found", "x").body);
  EXPECT_FALSE(body.as_object().contains("errors"));
}

TEST(ProblemForError, OneTableForNetAndCoreErrors) {
  struct Case {
    ErrorCode ec;
    unsigned status;
    std::string code;
  };
  std::vector<Case> cases = {
      {Errc::kMalformedJson, 400, "malformed_json"},
      {Errc::kUnsupportedMediaType, 415, "unsupported_media_type"},
      {Errc::kPayloadTooLarge, 413, "payload_too_large"},
      {Errc::kServerBusy, 503, "server_busy"},
      {core::Errc::kValidationFailed, 422, "validation_failed"},
      {core::Errc::kUsernameTaken, 409, "username_taken"},
      {core::Errc::kInvalidCredentials, 401, "invalid_credentials"},
      {core::Errc::kForbidden, 403, "forbidden"},
      {core::Errc::kLastAdmin, 409, "last_admin"},
      {core::Errc::kDecryptFailed, 500, "internal"},
      {storage::Errc::kNoSpace, 503, "storage_unavailable"},
      {storage::Errc::kIoError, 503, "storage_unavailable"},
      {storage::Errc::kCorruption, 500, "internal"},
      {make_error_code(boost::system::errc::io_error), 500, "internal"},
  };
  for (const auto& c : cases) {
    auto res = ProblemForError(c.ec);
    EXPECT_EQ(res.status, c.status) << c.code;
    auto body = boost::json::parse(res.body).as_object();
    EXPECT_EQ(body.at("code").as_string(), c.code);
    // The messages of internal errors never leak.
    if (c.status == 500) {
      EXPECT_EQ(res.body.find(c.ec.message()), std::string::npos);
    }
  }
  EXPECT_EQ(ProblemForError(Errc::kServerBusy).Header("retry-after"), "1");
}

TEST(Response, HeaderHelpers) {
  Response res;
  res.AddHeader("Set-Cookie", "a=1").AddHeader("Set-Cookie", "b=2").SetHeader("X-A", "1");
  res.SetHeader("x-a", "2");
  EXPECT_EQ(res.headers.size(), 3u);
  EXPECT_EQ(res.Header("X-A"), "2");
  EXPECT_FALSE(res.Header("missing"));
}

TEST(Request, HeaderLookupIgnoresCaseAndQueryIsExact) {
  Request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-Dup", "1"}, {"x-dup", "2"}};
  req.query = {{"limit", "5"}};
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("X-DUP"), "1");
  EXPECT_EQ(req.Query("limit"), "5");
  EXPECT_FALSE(req.Query("LIMIT"));
}

TEST(RequestId, OnlySaneIdsAreEchoed) {
  EXPECT_TRUE(IsValidRequestId("a"));
  EXPECT_TRUE(IsValidRequestId("req_01J.X-y"));
  EXPECT_TRUE(IsValidRequestId(std::string(64, 'z')));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId(std::string(65, 'z')));
  for (auto bad : {"a b", "a\r\nb", "a\nb", "<x>", "a/b", "a:b", "\xc3\xa9"}) {
    EXPECT_FALSE(IsValidRequestId(bad)) << bad;
  }
}

TEST(Url, PercentDecode) {
  EXPECT_EQ(PercentDecode("a%20b%2f", false), "a b/");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_FALSE(PercentDecode("%", false));
  EXPECT_FALSE(PercentDecode("%4", false));
  EXPECT_FALSE(PercentDecode("%zz", false));
}

TEST(Url, ParseQueryAndSplitTarget) {
  auto q = ParseQuery("a=1&b=&c&&a=2&bad=%zz&=x&sp=x+y%21");
  QueryParams expected = {{"a", "1"}, {"b", ""}, {"c", ""}, {"a", "2"}, {"sp", "x y!"}};
  EXPECT_EQ(q, expected);
  auto split = SplitTarget("/v1/users?limit=1?x");
  EXPECT_EQ(split.path, "/v1/users");
  EXPECT_EQ(split.query, "limit=1?x");
  EXPECT_EQ(SplitTarget("/x").query, "");
}

}  // namespace
}  // namespace authd::net
