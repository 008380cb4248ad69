// Operations shared by /v1/users/me and the admin's /v1/users/{id}.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "net/auth.hpp"
#include "net/router.hpp"

namespace authd::net {

// 200 (or `status`) with the user object, 404 when gone.
[[nodiscard]] Response RenderUser(Services& s, std::string_view id, unsigned status);
// The same from a record already read.
[[nodiscard]] Response RenderUser(Services& s, const projections::UserRecord& user,
                                  unsigned status);

enum class UpdateMode {
  kSelfPatch,   // email?, display_name?
  kAdminPatch,  // email?, display_name?, disabled?
  kAdminPut,    // email, display_name, disabled: all required
};

// Validates the body and applies it as ONE decision (profile and disabled flag together).
[[nodiscard]] boost::asio::awaitable<Response> UpdateUser(RequestContext& ctx, Services& s,
                                                          const Principal& actor,
                                                          std::string_view user_id,
                                                          UpdateMode mode);

// Verifies `password` for `user` on the hashing pool: nullopt when right, else the response
// (401 invalid_credentials, or 503 when the pool is full).
[[nodiscard]] boost::asio::awaitable<std::optional<Response>> CheckPassword(
    Services& s, const projections::UserRecord& user, const std::string& password);

// DELETE of one's own account: a recent sign-in (RequireRecentAuth) and body {password}.
[[nodiscard]] boost::asio::awaitable<Response> DeleteSelf(RequestContext& ctx, Services& s,
                                                          const Principal& me);

}  // namespace authd::net
