// Plain request and response values, so handlers never see Beast types.
//
// Problem details (RFC 9457) all come out of ProblemResponse: Content-Type
// application/problem+json, body {"type", "title", "status", "detail", "code"} and, for
// validation failures, "errors": [{"field", "code", "message"}]. "type" is always
// kProblemTypeBase + code, e.g. "https://authd.dev/problems/not_found".
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/validation.hpp"

namespace authd::net {

// Ordered (name, value) pairs, names as received. Lookups ignore ASCII case.
using HeaderList = std::vector<std::pair<std::string, std::string>>;
// Ordered (name, value) pairs, percent-decoded.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kProblemTypeBase = "https://authd.dev/problems/";
inline constexpr std::string_view kJsonContentType = "application/json";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// One parsed request. The server fills every field before the handler runs.
struct Request {
  std::string method;          // as sent, e.g. "GET" (HTTP methods are case-sensitive)
  std::string target;          // request-target as sent, e.g. "/v1/users?limit=10"
  std::string path;            // target before '?', still percent-encoded
  QueryParams query;           // target after '?', split on '&' and '=', percent-decoded
  HeaderList headers;          // every header field, in order
  std::string body;            // at most ServerOptions::max_body_bytes
  std::string client_address;  // peer IP address, e.g. "127.0.0.1"
  std::string request_id;      // the X-Request-Id this request is answered with
  unsigned version = 11;       // 10 for HTTP/1.0, 11 for HTTP/1.1
  bool tls = false;            // arrived over this server's TLS (not a proxy's)

  // First header with this name (ASCII case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> Header(std::string_view name) const;
  // First query parameter with this exact name, or nullopt.
  [[nodiscard]] std::optional<std::string_view> Query(std::string_view name) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type;  // empty: no Content-Type (use for 204)
  HeaderList headers;        // extra headers; the server adds the security headers (see
                             // http_server.hpp) unless a handler set them itself. Connection,
                             // Content-Length, Transfer-Encoding, Date, X-Request-Id and
                             // Content-Type (use content_type) belong to the server: dropped
  std::string body;

  // Replaces every header of that name (ASCII case-insensitive).
  Response& SetHeader(std::string_view name, std::string_view value);
  // Appends, keeping existing ones (Set-Cookie).
  Response& AddHeader(std::string_view name, std::string_view value);
  [[nodiscard]] std::optional<std::string_view> Header(std::string_view name) const;
};

// `status` with a JSON body (Content-Type application/json).
[[nodiscard]] Response JsonResponse(unsigned status, const boost::json::value& body);

// `status` with no body and no Content-Type (e.g. 204, 202).
[[nodiscard]] Response EmptyResponse(unsigned status);

// RFC 9457 problem details. `errors` is rendered only when non-empty. WARNING: `detail` is sent
// to the client: never put exception text, passwords, tokens or stack traces in it.
[[nodiscard]] Response ProblemResponse(unsigned status, std::string_view code,
                                       std::string_view title, std::string_view detail,
                                       std::span<const core::FieldError> errors = {});

// The standard reason phrase ("Not Found"), or "Error" for codes it does not know.
[[nodiscard]] std::string_view ReasonPhrase(unsigned status) noexcept;

// True for an incoming X-Request-Id worth echoing: 1 to 64 of [A-Za-z0-9._-].
[[nodiscard]] bool IsValidRequestId(std::string_view id) noexcept;

// ASCII case-insensitive equality (header names, media types).
[[nodiscard]] bool IEquals(std::string_view a, std::string_view b) noexcept;

}  // namespace authd::net
