// JSON shapes of API.md: the user object, the session object, the token response.
#pragma once

#include <boost/json/object.hpp>

#include "projections/session_table.hpp"
#include "projections/user_record.hpp"

namespace authd::net {

// {"id","username","email","display_name","roles","email_verified","mfa_enabled","disabled",
//  "created_at","updated_at"}; times RFC 3339. Roles exclude nothing: "user" is listed too.
[[nodiscard]] boost::json::object UserJson(const projections::UserView& user);

// {"id","created_at","last_seen_at","expires_at","ip","user_agent","current"}.
[[nodiscard]] boost::json::object SessionJson(const projections::SessionRecord& session,
                                              std::string_view ip, std::string_view user_agent,
                                              bool current);

}  // namespace authd::net
