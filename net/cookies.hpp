// The cookies of browser sessions (API.md, "Browser clients and CSRF").
//
// The access and refresh tokens travel in `__Host-` cookies: Secure, Path=/ and no Domain, so no
// other host (not even a subdomain) can set or overwrite them; HttpOnly, so page scripts never
// see them; SameSite=Strict, so other sites' requests do not carry them. The CSRF token cookie
// is the one a page script reads (to echo it in X-CSRF-Token), so it is not HttpOnly.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "net/http_types.hpp"

namespace authd::net {

inline constexpr std::string_view kAccessCookie = "__Host-authd_at";
inline constexpr std::string_view kRefreshCookie = "__Host-authd_rt";
inline constexpr std::string_view kCsrfCookie = "authd_csrf";

// The value of the first cookie called `name` in the request's Cookie headers, or nullopt.
[[nodiscard]] std::optional<std::string_view> CookieValue(const Request& request,
                                                          std::string_view name);

enum class CookieAccess { kHttpOnly, kScriptReadable };

// Appends Set-Cookie: name=value; Path=/; Max-Age; Secure; HttpOnly?; SameSite=Strict.
void SetCookie(Response& response, std::string_view name, std::string_view value,
               std::int64_t max_age_seconds, CookieAccess access);

// Appends a Set-Cookie that removes the cookie (empty value, Max-Age=0).
void ClearCookie(Response& response, std::string_view name, CookieAccess access);

}  // namespace authd::net
