#include "net/render.hpp"

#include "core/clock.hpp"

namespace authd::net {

boost::json::object UserJson(const projections::UserView& user) {
  boost::json::array roles;
  for (const auto& r : user.roles)
    roles.emplace_back(r);
  return {{"id", user.id},
          {"username", user.username},
          {"email", user.email},
          {"display_name", user.display_name},
          {"roles", std::move(roles)},
          {"email_verified", user.email_verified},
          {"mfa_enabled", user.mfa_enabled},
          {"disabled", user.disabled},
          {"created_at", core::FormatRfc3339(user.created_at)},
          {"updated_at", core::FormatRfc3339(user.updated_at)}};
}

boost::json::object SessionJson(const projections::SessionRecord& session, std::string_view ip,
                                std::string_view user_agent, bool current) {
  return {{"id", session.id},
          {"created_at", core::FormatRfc3339(session.created_at)},
          {"last_seen_at", core::FormatRfc3339(session.last_seen_at)},
          {"expires_at", core::FormatRfc3339(session.expires_at)},
          {"ip", ip},
          {"user_agent", user_agent},
          {"current", current}};
}

}  // namespace authd::net
