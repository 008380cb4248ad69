// JSON request bodies.
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>

#include "core/result.hpp"
#include "net/http_types.hpp"

namespace authd::net {

// Nesting deeper than this is malformed_json: bodies of this API are shallow, and the limit keeps
// a hostile body from costing stack or time.
inline constexpr std::size_t kMaxJsonDepth = 32;

// Parses the body as one JSON object.
// Errors (net::Errc; render with ProblemForError):
//   kUnsupportedMediaType  Content-Type missing or not application/json (parameters other than
//                          charset=utf-8 are refused, so is any other charset)
//   kMalformedJson         empty, invalid JSON or invalid UTF-8, nesting over kMaxJsonDepth,
//                          or valid JSON that is not an object
// (Bodies over the size limit never reach a handler: the server answers 413 itself.)
[[nodiscard]] Result<boost::json::object> ParseJsonBody(const Request& request);

// True for "application/json" with at most a "charset=utf-8" parameter (any case, optional
// quotes and spaces).
[[nodiscard]] bool IsJsonContentType(std::string_view content_type) noexcept;

}  // namespace authd::net
