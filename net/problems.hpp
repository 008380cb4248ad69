// The one table from error codes to HTTP answers (STYLE.md: translate at boundaries, in one
// place). Handlers return `ProblemForError(result.error())` for any failure they do not treat
// specially.
//
//   net::Errc   malformed_json 400, unsupported_media_type 415, payload_too_large 413,
//               headers_too_large 431, malformed_request 400, not_found 404,
//               method_not_allowed 405, server_busy 503 (+ Retry-After: 1), internal 500
//   core::Errc  validation_failed 422, username_taken 409, email_taken 409, not_found 404,
//               invalid_credentials 401, account_disabled 403, forbidden 403, last_admin 409,
//               conflict 409; corrupt record / decrypt / key erased / crypto failure -> 500
//   storage::Errc  storage::IsUnavailable (I/O error, disk full, closed, overloaded...) ->
//               503 storage_unavailable (+ Retry-After: 1); not_found 404; others 500
//   anything else                                                    -> 500 internal
//
// The `detail` sent is a fixed sentence per code; the error's own message (which may carry
// internal detail) is never sent. 500s are logged with the error's category and message.
#pragma once

#include <span>

#include "core/result.hpp"
#include "core/validation.hpp"
#include "net/http_types.hpp"

namespace authd::net {

[[nodiscard]] Response ProblemForError(const ErrorCode& ec,
                                       std::span<const core::FieldError> errors = {});

}  // namespace authd::net
