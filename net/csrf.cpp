#include "net/csrf.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "core/hashing.hpp"
#include "net/cookies.hpp"
#include "net/services.hpp"

namespace authd::net {
namespace {

constexpr std::size_t kNonceBytes = 16;

std::string Mac(const core::Key256& key, std::string_view nonce_b64, std::string_view session) {
  std::string input(nonce_b64);
  input.push_back('\0');
  input.append(session);
  const auto digest = core::KeyedHash(key, "csrf", input);
  return core::ToBase64Url(digest);
}

// Whether `origin` is this server as the browser addressed it (scheme://Host). Either scheme: the
// host and port are what make an origin another site, and behind a TLS proxy authd sees http.
bool IsOwnOrigin(std::string_view origin, const Request& request) {
  const auto host = request.Header("Host");
  if (!host || host->empty()) return false;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (origin.size() == scheme.size() + host->size() && origin.substr(0, scheme.size()) == scheme &&
        origin.substr(scheme.size()) == *host) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string CsrfTokens::Issue(std::string_view session_id) const {
  std::array<std::uint8_t, kNonceBytes> nonce{};
  randombytes_buf(nonce.data(), nonce.size());
  const std::string nonce_b64 = core::ToBase64Url(nonce);
  return nonce_b64 + "." + Mac(key_, nonce_b64, session_id);
}

bool CsrfTokens::Verify(std::string_view token, std::string_view session_id) const {
  if (token.size() > 128) return false;
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string expected = Mac(key_, token.substr(0, dot), session_id);
  const auto given = token.substr(dot + 1);
  return given.size() == expected.size() &&
         sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

bool FromAllowedOrigin(const Request& request, const ApiOptions& options) {
  if (auto origin = request.Header("Origin")) {
    const auto& allowed = options.allowed_origins;
    return IsOwnOrigin(*origin, request) ||
           std::find(allowed.begin(), allowed.end(), *origin) != allowed.end();
  }
  const auto site = request.Header("Sec-Fetch-Site");
  return site && *site == "same-origin";
}

Response CsrfFailed(std::string_view detail) {
  return ProblemResponse(403, "csrf_failed", "Cross-site request refused", detail);
}

std::optional<Response> CheckCsrf(const Request& request, const ApiOptions& options,
                                  const CsrfTokens& tokens,
                                  std::initializer_list<std::string_view> accepted) {
  if (!FromAllowedOrigin(request, options)) {
    return CsrfFailed("This request did not come from a page of this site.");
  }
  const auto header = request.Header("X-CSRF-Token");
  const auto cookie = CookieValue(request, kCsrfCookie);
  if (!header || !cookie || header->empty() || *header != *cookie) {
    return CsrfFailed("Send the authd_csrf cookie's value in the X-CSRF-Token header.");
  }
  for (const auto session : accepted) {
    if (tokens.Verify(*header, session)) return std::nullopt;
  }
  return CsrfFailed("The CSRF token is not valid for this session; reload the page.");
}

}  // namespace authd::net
