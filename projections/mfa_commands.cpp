// UserCommands::EnrollTotp and DisableTotp: the MFA facts of a user.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/sealing.hpp"
#include "projections/command_support.hpp"
#include "projections/user_commands.hpp"

namespace authd::projections {

namespace ev = core::events;

storage::DecideFn UserCommands::EnrollTotp(std::string user_id, std::string secret,
                                           std::uint64_t step,
                                           std::vector<std::string> recovery_hashes,
                                           Origin origin) const {
  return [user_id = std::move(user_id), secret = std::move(secret), step,
          recovery_hashes = std::move(recovery_hashes),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    if (user->mfa_enabled) return core::Errc::kConflict;
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    boost::json::array hashes;
    for (const auto& h : recovery_hashes)
      hashes.emplace_back(h);
    const std::string hashes_json = boost::json::serialize(hashes);
    core::Event e = MakeEvent(ev::kUserMfaEnrolled, user_id, origin);
    e.data["method"] = "totp";
    e.data["totp_step"] = step;
    e.data["recovery_codes"] = recovery_hashes.size();
    // Sealed, so the secret and the code verifiers die with the user's key.
    SealInto(e, *key, {{"totp_secret", secret}, {"recovery_codes", hashes_json}});
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn UserCommands::DisableTotp(std::string user_id, std::optional<std::uint64_t> step,
                                            Origin origin) const {
  return [user_id = std::move(user_id), step,
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user = LoadUser(txn, user_id);
    if (!user) return user.error();
    if (!user->mfa_enabled) return core::Errc::kConflict;
    if (step && *step <= user->totp_last_step) return core::Errc::kInvalidMfaCode;
    auto key = txn.DataKey(user_id);
    if (!key) return key.error();
    core::Event e = MakeEvent(ev::kUserMfaDisabled, user_id, origin);
    e.data["method"] = "totp";
    e.data["proof"] = step ? "totp" : "password";
    e.data["by"] = origin.actor == user_id ? "self" : "other";
    SealOrigin(e, *key, origin);
    return AppendEvent(txn, std::move(e));
  };
}

}  // namespace authd::projections
