// Errors of authd::net: HTTP-level failures that handlers and the server report as values.
// Each maps to one problem+json answer in net/problems.cpp (the one error -> HTTP table).
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace authd::net {

enum class Errc {
  kOk = 0,
  kMalformedJson,         // 400 malformed_json: body is not valid JSON, or not an object
  kUnsupportedMediaType,  // 415 unsupported_media_type: body is not application/json
  kPayloadTooLarge,       // 413 payload_too_large: body over ServerOptions::max_body_bytes
  kHeadersTooLarge,       // 431 headers_too_large: header over ServerOptions::max_header_bytes
  kMalformedRequest,      // 400 malformed_request: not parseable HTTP/1.1, or request smuggling
  kNotFound,              // 404 not_found: no route for the path
  kMethodNotAllowed,      // 405 method_not_allowed: the path exists, the method does not
  kServerBusy,            // 503 server_busy: a bounded queue or the connection cap is full
  kInternal,              // 500 internal: a handler failed; details only in the log
};

const boost::system::error_category& NetCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {  // NOLINT: ADL hook name
  return {static_cast<int>(e), NetCategory()};
}

}  // namespace authd::net

template <>
struct boost::system::is_error_code_enum<authd::net::Errc> : std::true_type {};
