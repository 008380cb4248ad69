#include "net/problems.hpp"

#include <boost/json/object.hpp>
#include <string_view>

#include "core/error.hpp"
#include "net/errors.hpp"
#include "net/log.hpp"
#include "storage/error.hpp"

namespace authd::net {
namespace {

struct Entry {
  unsigned status;
  std::string_view code;
  std::string_view detail;
};

constexpr Entry kInternal{500, "internal", "The server failed to handle the request."};

Entry ForNet(Errc e) {
  switch (e) {
    case Errc::kMalformedJson:
      return {400, "malformed_json", "The request body must be a JSON object."};
    case Errc::kUnsupportedMediaType:
      return {415, "unsupported_media_type", "The request body must be application/json."};
    case Errc::kPayloadTooLarge:
      return {413, "payload_too_large", "The request body is larger than the server accepts."};
    case Errc::kHeadersTooLarge:
      return {431, "headers_too_large", "The request header is larger than the server accepts."};
    case Errc::kMalformedRequest:
      return {400, "malformed_request", "The request is not valid HTTP/1.1."};
    case Errc::kNotFound:
      return {404, "not_found", "No resource matches the request path."};
    case Errc::kMethodNotAllowed:
      return {405, "method_not_allowed", "The resource does not support this method."};
    case Errc::kServerBusy:
      return {503, "server_busy", "The server is busy; retry later."};
    case Errc::kOk:
    case Errc::kInternal:
      break;
  }
  return kInternal;
}

Entry ForCore(core::Errc e) {
  switch (e) {
    case core::Errc::kValidationFailed:
      return {422, "validation_failed", "The request has invalid fields."};
    case core::Errc::kUsernameTaken:
      return {409, "username_taken", "The username is already taken."};
    case core::Errc::kEmailTaken:
      return {409, "email_taken", "The email is already taken."};
    case core::Errc::kNotFound:
      return {404, "not_found", "No such resource."};
    case core::Errc::kInvalidCredentials:
      return {401, "invalid_credentials", "The credentials are not valid."};
    case core::Errc::kAccountDisabled:
      return {403, "account_disabled", "The account is disabled."};
    case core::Errc::kForbidden:
      return {403, "forbidden", "The caller may not do this."};
    case core::Errc::kLastAdmin:
      return {409, "last_admin", "The last admin cannot lose the admin role."};
    case core::Errc::kConflict:
      return {409, "conflict", "The resource changed or is in a state that forbids this."};
    case core::Errc::kInvalidMfaCode:
      return {401, "invalid_mfa_code", "The code is not valid or was already used."};
    case core::Errc::kOk:
    case core::Errc::kCorruptRecord:
    case core::Errc::kDecryptFailed:
    case core::Errc::kKeyErased:
    case core::Errc::kCryptoFailure:
      break;
  }
  return kInternal;
}

Entry ForStorage(const ErrorCode& ec) {
  if (storage::IsUnavailable(ec)) {
    return {503, "storage_unavailable",
            "Storage is unavailable; nothing was changed. Retry later."};
  }
  if (ec == storage::Errc::kNotFound) return {404, "not_found", "No such resource."};
  return kInternal;
}

}  // namespace

Response ProblemForError(const ErrorCode& ec, std::span<const core::FieldError> errors) {
  Entry entry = kInternal;
  if (ec.category() == NetCategory()) {
    entry = ForNet(static_cast<Errc>(ec.value()));
  } else if (ec.category() == core::CoreCategory()) {
    entry = ForCore(static_cast<core::Errc>(ec.value()));
  } else if (ec.category() == storage::StorageCategory()) {
    entry = ForStorage(ec);
  }
  // net::Errc::kInternal is raised by code that has logged the cause already.
  if (entry.status == 500 && ec != make_error_code(Errc::kInternal)) {
    LogError("unmapped or internal error",
             {{"category", ec.category().name()}, {"value", ec.value()}, {"error", ec.message()}});
  }
  Response res =
      ProblemResponse(entry.status, entry.code, ReasonPhrase(entry.status), entry.detail, errors);
  if (entry.status == 503) res.SetHeader("Retry-After", "1");
  return res;
}

}  // namespace authd::net
