#include "projections/user_record.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/hashing.hpp"
#include "projections/sealed_json.hpp"

namespace authd::projections {

bool UserRecord::HasRole(std::string_view role) const {
  return std::binary_search(roles.begin(), roles.end(), role);
}

std::string EncodeUserRecord(const UserRecord& user) {
  boost::json::object o;
  o["id"] = user.id;
  boost::json::array roles;
  for (const auto& r : user.roles)
    roles.emplace_back(r);
  o["roles"] = std::move(roles);
  o["disabled"] = user.disabled;
  o["email_verified"] = user.email_verified;
  o["mfa_enabled"] = user.mfa_enabled;
  o["created_at"] = user.created_at;
  o["updated_at"] = user.updated_at;
  o["password_changed_at"] = user.password_changed_at;
  o["version"] = user.version;
  // Only when set, so rows of users who never enrolled keep the bytes they had before MFA.
  if (user.totp_last_step != 0) o["totp_last_step"] = user.totp_last_step;
  if (!user.recovery_used.empty()) {
    boost::json::array used;
    for (const auto i : user.recovery_used)
      used.emplace_back(i);
    o["recovery_used"] = std::move(used);
  }
  o["sealed"] = SealedToJson(user.sealed);
  return core::CanonicalJson(o);
}

Result<UserRecord> DecodeUserRecord(std::string_view bytes) {
  // Read on every authenticated request: the parsed tree lives in this stack buffer (a row is
  // well under 4 KiB; a larger one spills to the heap), not in one allocation per node.
  unsigned char scratch[4096];
  boost::json::monotonic_resource arena(scratch, sizeof scratch);
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec, &arena);
  if (ec || !v.is_object()) return core::Errc::kCorruptRecord;
  const auto& o = v.get_object();
  UserRecord u;
  try {
    u.id = boost::json::value_to<std::string>(o.at("id"));
    for (const auto& r : o.at("roles").as_array())
      u.roles.emplace_back(r.as_string());
    u.disabled = o.at("disabled").as_bool();
    u.email_verified = o.at("email_verified").as_bool();
    u.mfa_enabled = o.at("mfa_enabled").as_bool();
    u.created_at = o.at("created_at").to_number<core::Micros>();
    u.updated_at = o.at("updated_at").to_number<core::Micros>();
    u.password_changed_at = o.at("password_changed_at").to_number<core::Micros>();
    u.version = o.at("version").to_number<std::uint64_t>();
    if (const auto* step = o.if_contains("totp_last_step")) {
      u.totp_last_step = step->to_number<std::uint64_t>();
    }
    if (const auto* used = o.if_contains("recovery_used")) {
      for (const auto& i : used->as_array())
        u.recovery_used.push_back(i.to_number<std::uint32_t>());
    }
    if (!SealedFromJson(o.at("sealed").as_object(), u.sealed)) return core::Errc::kCorruptRecord;
  } catch (const std::exception&) {
    // Boost.JSON accessors throw on a missing key or wrong kind: that is a corrupt row.
    return core::Errc::kCorruptRecord;
  }
  return u;
}

}  // namespace authd::projections
