// Internal to net/: conversions between Beast messages and the plain Request/Response, and the
// headers every response gets. Includes Beast: only connection.cpp and message.cpp include it.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "net/http_types.hpp"

namespace authd::net::detail {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;
using BeastRequestHeader = boost::beast::http::request_header<>;

// The incoming X-Request-Id when IsValidRequestId, else ids.Next("req").
[[nodiscard]] std::string ChooseRequestId(const BeastRequestHeader& header, core::IdGenerator& ids);

// True when the framing is ambiguous (request smuggling): Transfer-Encoding together with
// Content-Length, more than one Transfer-Encoding field, or one that is not exactly "chunked".
[[nodiscard]] bool HasAmbiguousFraming(const BeastRequestHeader& header);

// True when an HTTP/1.1 request has no Host field, or any request has more than one
// (RFC 9112 section 3.2: answer 400).
[[nodiscard]] bool HasBadHost(const BeastRequestHeader& header);

// True for "Expect: 100-continue".
[[nodiscard]] bool ExpectsContinue(const BeastRequestHeader& header);

[[nodiscard]] Request ToRequest(BeastRequest&& message, std::string client_address,
                                std::string request_id);

// Strict-Transport-Security sent over TLS (docs/TLS.md).
inline constexpr const char* kHstsValue = "max-age=63072000; includeSubDomains";

struct ResponseMeta {
  unsigned version = 11;   // of the request
  bool keep_alive = true;  // false adds Connection: close
  bool head = false;       // HEAD request: headers as for GET, no body
  std::string_view request_id;
  bool hsts = false;  // add Strict-Transport-Security (served over TLS, or behind a TLS proxy)
};

// Validates the handler's response (status 200..599, header names and values that cannot split
// the message; offenders are logged and dropped, a bad status becomes a 500 problem), then adds
// the security headers, X-Request-Id and Date (and HSTS when asked).
[[nodiscard]] BeastResponse ToBeastResponse(Response&& response, const ResponseMeta& meta);

// Appends the message's bytes (status line, fields, body) to `out`, serialized by Beast. Sending
// them as one buffer walks Beast's buffer sequence once instead of in every layer of a write, and
// gives a TLS stream of a small response one record to seal (the connection does this for bodies
// up to 16 KiB). False (and `out` unusable) if Beast reports an error, which a string body does
// not.
[[nodiscard]] bool SerializeResponse(BeastResponse& res, std::string& out);

// The bytes of the canned answer for connections over the cap (503 server_busy, closes).
[[nodiscard]] std::string BusyResponseBytes(std::string_view request_id);

}  // namespace authd::net::detail
