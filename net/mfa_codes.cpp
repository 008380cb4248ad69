#include "net/mfa_codes.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/recovery_codes.hpp"
#include "core/sealing.hpp"
#include "core/totp.hpp"

namespace authd::net {
namespace {

Result<std::string> OpenMfaField(const Services& s, const projections::UserRecord& user,
                                 std::string_view field) {
  const auto it = user.sealed.find(field);
  if (!user.mfa_enabled || it == user.sealed.end()) return core::Errc::kInvalidMfaCode;
  auto key = s.log.DataKey(user.id);
  if (!key) return key.error();
  return core::Open(*key, user.id, field, it->second);
}

}  // namespace

Result<std::uint64_t> MatchUserTotp(const Services& s, const projections::UserRecord& user,
                                    std::string_view code) {
  auto secret = OpenMfaField(s, user, "totp_secret");
  if (!secret) return secret.error();
  const auto step = core::MatchTotp(*secret, code, s.clock.NowMicros() / 1'000'000);
  if (!step || *step <= user.totp_last_step) return core::Errc::kInvalidMfaCode;
  return *step;
}

Result<std::uint32_t> MatchRecoveryCode(const Services& s, const projections::UserRecord& user,
                                        std::string_view typed) {
  const auto normalized = core::NormalizeRecoveryCode(typed);
  if (!normalized) return core::Errc::kInvalidMfaCode;
  auto sealed = OpenMfaField(s, user, "recovery_codes");
  if (!sealed) return sealed.error();
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(*sealed, ec);
  if (ec || !parsed.is_array()) return core::Errc::kCorruptRecord;
  std::vector<std::string> hashes;
  for (const auto& h : parsed.get_array()) {
    if (h.is_string()) hashes.emplace_back(h.get_string());
  }
  const auto index = core::FindRecoveryCode(hashes, core::HashRecoveryCode(user.id, *normalized));
  if (!index) return core::Errc::kInvalidMfaCode;
  const auto i = static_cast<std::uint32_t>(*index);
  const auto& used = user.recovery_used;
  if (std::find(used.begin(), used.end(), i) != used.end()) return core::Errc::kInvalidMfaCode;
  return i;
}

}  // namespace authd::net
