// Security catalogue, HTTP hardening (OWASP ASVS 4.0.3 V14, V13, V12.1, V8.2, V7.4): request
// smuggling shapes, header limits, absurd methods and targets, and the response headers. Raw
// bytes on a socket, so the client library cannot tidy the requests up.
//
// ASVS 4.0.3 has no item for request smuggling; those cases cite V14.5 (HTTP request header
// validation) as the nearest home, and docs/SECURITY.md says so.
#include <gtest/gtest.h>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

class SecHttp : public ServerSuite<SecHttp> {
 public:
  static ServerSpec Spec() { return {}; }

 protected:
  static std::string Raw(std::string_view request) { return RawExchange(server().port(), request); }

  // The request is refused with `status` and `code`, answered once, and the connection closed,
  // so nothing after it on the connection is ever taken as a second request.
  static void ExpectRefusedAndClosed(std::string_view request, unsigned status,
                                     std::string_view code) {
    const std::string raw = Raw(request);
    EXPECT_EQ(FirstStatus(raw), status) << raw;
    EXPECT_EQ(ResponseCount(raw), 1) << raw;
    EXPECT_NE(raw.find("\"code\":\"" + std::string(code) + "\""), std::string::npos) << raw;
  }

  static constexpr const char* kSmuggled = "GET /v1/users/me HTTP/1.1\r\nHost: a\r\n\r\n";
};

// ASVS V14.5 (smuggling, CL.TE/TE.CL): Content-Length together with Transfer-Encoding is refused
// and the connection closed, so the tail cannot become a second request.
TEST_F(SecHttp, V14_5_ContentLengthWithTransferEncodingIsRefused) {
  ExpectRefusedAndClosed(std::string("POST /v1/users HTTP/1.1\r\nHost: a\r\nContent-Type: "
                                     "application/json\r\nContent-Length: 5\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n") +
                             kSmuggled,
                         400, "malformed_request");
  ExpectRefusedAndClosed(std::string("POST /v1/users HTTP/1.1\r\nHost: a\r\n"
                                     "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n"
                                     "0\r\n\r\n") +
                             kSmuggled,
                         400, "malformed_request");
}

// ASVS V14.5 (smuggling): two different Content-Length values are refused and the connection
// closed; identical repeats frame one request of that length (RFC 9112 6.3 allows either), so
// no bytes of it can become a second request.
TEST_F(SecHttp, V14_5_ConflictingContentLengthsAreRefused) {
  const std::string raw = Raw(std::string("POST /v1/sessions HTTP/1.1\r\nHost: a\r\nContent-Type: "
                                          "application/json\r\nContent-Length: 2\r\n"
                                          "Content-Length: 41\r\n\r\n{}") +
                              kSmuggled);
  EXPECT_EQ(FirstStatus(raw), 400U) << raw;
  EXPECT_EQ(ResponseCount(raw), 1) << raw;
  const std::string same =
      Raw("POST /v1/sessions HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
          "Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}GET /healthz "
          "HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(FirstStatus(same), 422U) << same;  // the body `{}` lacks the fields
  EXPECT_EQ(ResponseCount(same), 1) << same;
}

// ASVS V14.5 (smuggling, TE obfuscation): any Transfer-Encoding other than one plain `chunked`.
TEST_F(SecHttp, V14_5_ObfuscatedTransferEncodingIsRefused) {
  for (const char* te : {"gzip, chunked", "chunked, identity", "xchunked",
                         "chunked\r\n"
                         "Transfer-Encoding: "
                         "chunked",
                         "identity"}) {
    SCOPED_TRACE(te);
    const std::string raw = Raw(std::string("POST /v1/users HTTP/1.1\r\nHost: a\r\n"
                                            "Transfer-Encoding: ") +
                                te + "\r\n\r\n0\r\n\r\n" + kSmuggled);
    EXPECT_EQ(FirstStatus(raw), 400U) << raw;
    EXPECT_EQ(ResponseCount(raw), 1) << raw;
  }
}

// ASVS V14.5: a bad chunk size is malformed, not guessed at.
TEST_F(SecHttp, V14_5_BadChunkSizeIsRefused) {
  const std::string raw =
      Raw("POST /v1/users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
          "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  EXPECT_EQ(FirstStatus(raw), 400U) << raw;
}

// ASVS V14.5: HTTP/1.1 needs exactly one Host.
TEST_F(SecHttp, V14_5_MissingOrRepeatedHostIsRefused) {
  ExpectRefusedAndClosed("GET /healthz HTTP/1.1\r\n\r\n", 400, "malformed_request");
  ExpectRefusedAndClosed("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400,
                         "malformed_request");
}

// ASVS V14.5.1: only the methods in use are accepted; TRACE is never echoed back.
TEST_F(SecHttp, V14_5_1_UnusedMethodsAreRefused) {
  for (const char* method : {"TRACE", "FOOBAR", "CONNECT", "PROPFIND"}) {
    SCOPED_TRACE(method);
    const std::string raw = Raw(std::string(method) +
                                " /healthz HTTP/1.1\r\nHost: a\r\nX-Echo: reflected-marker\r\n"
                                "Connection: close\r\n\r\n");
    const unsigned status = FirstStatus(raw);
    EXPECT_TRUE(status == 405U || status == 400U) << raw;
    EXPECT_EQ(raw.find("reflected-marker"), std::string::npos) << raw;
  }
  auto del = api().Get("/healthz", {}, "DELETE");
  ExpectProblem(del, 405, "method_not_allowed");
  EXPECT_FALSE(del["Allow"].empty());
}

// ASVS V12.3.1 / V14.5: absurd request targets get an error, never a file or a crash.
TEST_F(SecHttp, V12_3_1_AbsurdTargetsAreRefused) {
  for (const char* target :
       {"*", "http://evil.example/healthz", "/..%2f..%2fetc/passwd", "//etc/passwd",
        "/healthz/../../../etc/passwd", "/%00", "/v1/users/me%0d%0aSet-Cookie:%20x=1"}) {
    SCOPED_TRACE(target);
    const std::string raw =
        Raw(std::string("GET ") + target + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    const unsigned status = FirstStatus(raw);
    EXPECT_TRUE(status == 400U || status == 404U || status == 401U) << raw;
    EXPECT_EQ(raw.find("root:"), std::string::npos);
    EXPECT_EQ(raw.find("\r\nSet-Cookie"), std::string::npos);
  }
  EXPECT_EQ(api().Get("/healthz").result_int(), 200U);
}

// ASVS V14.5 / V12.1.1: header sections over 8 KiB (one huge header, a long request line, or a
// flood of small headers) get 431 and a closed connection.
TEST_F(SecHttp, V12_1_1_OversizedHeadersGet431) {
  ExpectRefusedAndClosed(
      "GET /healthz HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(9000, 'b') + "\r\n\r\n", 431,
      "headers_too_large");
  ExpectRefusedAndClosed("GET /healthz?" + std::string(9000, 'q') + " HTTP/1.1\r\nHost: a\r\n\r\n",
                         431, "headers_too_large");
  std::string flood = "GET /healthz HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 2000; ++i)
    flood += "X-" + std::to_string(i) + ": v\r\n";
  ExpectRefusedAndClosed(flood + "\r\n", 431, "headers_too_large");
}

// ASVS V12.1.1: a declared body over the limit is refused before it is read, also with
// Expect: 100-continue (no 100 Continue is sent) and when it arrives chunked.
TEST_F(SecHttp, V12_1_1_HugeBodiesAreRefusedUnread) {
  ExpectRefusedAndClosed(
      "POST /v1/users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000000000000\r\n\r\n{",
      413, "payload_too_large");
  const std::string expect =
      Raw("POST /v1/users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
          "Content-Length: 10000000\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(FirstStatus(expect), 413U) << expect;
  EXPECT_EQ(expect.find("100 Continue"), std::string::npos);
  std::string chunked =
      "POST /v1/users HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i)
    chunked += "1000\r\n" + std::string(0x1000, ' ') + "\r\n";
  ExpectRefusedAndClosed(chunked, 413, "payload_too_large");
}

// ASVS V14.5: control characters in header values or a space in a header name are malformed.
TEST_F(SecHttp, V14_5_MalformedHeaderFieldsAreRefused) {
  for (const std::string& field : {std::string("Bad Name: x"), std::string("X-Nul: a\0b", 10),
                                   std::string(": empty-name"), std::string("NoColon")}) {
    const std::string raw = Raw("GET /healthz HTTP/1.1\r\nHost: a\r\n" + field + "\r\n\r\n");
    EXPECT_EQ(FirstStatus(raw), 400U) << field << ": " << raw;
  }
}

// ASVS V14.4.3-V14.4.7 and V8.2.1: the security headers are on every response, successes and
// failures alike.
TEST_F(SecHttp, V14_4_SecurityHeadersOnEveryResponse) {
  std::vector<ClientResponse> answers;
  answers.push_back(api().Get("/healthz"));
  answers.push_back(api().Get("/nowhere"));
  answers.push_back(api().Get("/v1/users/me"));
  answers.push_back(api().Get("/healthz", {}, "DELETE"));
  answers.push_back(api().Call("POST", "/v1/users", "{", {{"Content-Type", "application/json"}}));
  for (const auto& res : answers) {
    SCOPED_TRACE(res.result_int());
    ExpectSecurityHeaders(res);
    EXPECT_EQ(res["Cache-Control"], "no-store");
    EXPECT_NE(res["Content-Security-Policy"].find("frame-ancestors 'none'"), std::string::npos);
  }
}

// ASVS V14.3.3 / V7.4.1: no server banner or version, and errors carry no stack trace.
TEST_F(SecHttp, V14_3_3_NoBannerAndNoInternalsInErrors) {
  auto res = api().Get("/nowhere");
  ExpectProblem(res, 404, "not_found");
  EXPECT_TRUE(res["Server"].empty());
  EXPECT_TRUE(res["X-Powered-By"].empty());
  for (const char* leak : {"boost", "rocksdb", ".cpp", "std::", "exception"})
    EXPECT_EQ(Lower(res.body()).find(leak), std::string::npos) << leak;
}

// ASVS V14.5 / V5.3.1 (response splitting): a request id that is not plain is replaced, never
// echoed.
TEST_F(SecHttp, V14_5_HostileRequestIdIsNotEchoed) {
  const std::string raw =
      Raw("GET /healthz HTTP/1.1\r\nHost: a\r\nX-Request-Id: abc<script>;Set-Cookie=1\r\n"
          "Connection: close\r\n\r\n");
  EXPECT_EQ(FirstStatus(raw), 200U) << raw;
  EXPECT_EQ(raw.find("<script>"), std::string::npos) << raw;
  EXPECT_NE(raw.find("X-Request-Id: req_"), std::string::npos) << raw;
}

}  // namespace
}  // namespace authd::test
