#include "projections/login_guard.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "core/sealing.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

// Reads committed state (log) or the group being built (txn) alike.
template <class Source>
Result<ThrottleVerdict> Evaluate(Source& source, const LoginAttempt& attempt,
                                 const ThrottlePolicy& policy, core::Micros now) {
  const auto account_id = attempt.Account();
  auto account_row = source.Get(kThrottleFamily, AccountRowKey(account_id));
  if (!account_row) return account_row.error();
  PairState pair;
  AddressState address;
  if (!attempt.addr.empty()) {
    auto pair_row = source.Get(kThrottleFamily, PairRowKey(account_id, attempt.addr));
    if (!pair_row) return pair_row.error();
    if (*pair_row) pair = DecodePair(**pair_row);
    auto address_row = source.Get(kThrottleFamily, AddressRowKey(attempt.addr));
    if (!address_row) return address_row.error();
    if (*address_row) address = DecodeAddress(**address_row);
  }
  const AccountState account = *account_row ? DecodeAccount(**account_row) : AccountState{};
  return Decide(pair, account, address, policy, now);
}

Result<void> AppendThrottled(storage::Txn& txn, const LoginAttempt& attempt,
                             const ThrottleVerdict& verdict, const Origin& origin) {
  const bool known = !attempt.user_id.empty();
  core::Event e;
  e.type = std::string(ev::kUserLoginThrottled);
  e.schema = ev::CurrentSchema(ev::kUserLoginThrottled);
  e.stream = known ? attempt.user_id : std::string(kUnknownAccountsStream);
  e.subject = known ? attempt.user_id : std::string(kAnonymousSubject);
  e.actor = origin.actor;
  e.request_id = origin.request_id;
  e.data["reason"] = ReasonName(verdict.reason);
  e.data["retry_after"] = verdict.RetryAfterSeconds(txn.Now());
  if (!known) e.data["name_hash"] = attempt.name_hash;
  if (!attempt.addr.empty()) e.data["addr"] = attempt.addr;
  auto key = txn.DataKey(e.subject);
  if (!key && key.error() == core::Errc::kKeyErased && !known) key = txn.CreateDataKey(e.subject);
  // A user deleted meanwhile: the attempt is still recorded, only without its sealed address.
  if (!key && key.error() != core::Errc::kKeyErased) return key.error();
  if (key) {
    for (auto [name, value] : {std::pair<std::string_view, std::string_view>{"ip", origin.ip},
                               {"user_agent", origin.user_agent}}) {
      if (!value.empty())
        e.sealed.emplace(std::string(name), core::Seal(*key, e.subject, name, value));
    }
  }
  auto appended = txn.Append(std::move(e));
  if (!appended) return appended.error();
  return {};
}

}  // namespace

std::string ThrottledAddress(std::string_view ip) {
  const std::string text(ip);
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  char out[INET6_ADDRSTRLEN] = {};
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    in_addr v4{};
    std::memcpy(&v4, &v6.s6_addr[12], 4);
    if (::inet_ntop(AF_INET, &v4, out, sizeof(out)) == nullptr) return text;
    return out;
  }
  // One customer usually holds a whole /64: rotating through it must not reset the limits.
  std::memset(&v6.s6_addr[8], 0, 8);
  if (::inet_ntop(AF_INET6, &v6, out, sizeof(out)) == nullptr) return text;
  return std::string(out) + "/64";
}

std::string LoginGuard::AddressHash(std::string_view ip) const {
  if (ip.empty()) return "";
  const std::string address = ThrottledAddress(ip);
  const auto digest = core::KeyedHash(address_key_, "client_address", address);
  auto pseudonym = core::ToHex(std::span<const std::uint8_t>(digest.data(), 16));
  if (book_ != nullptr) book_->Note(pseudonym, address);
  return pseudonym;
}

Result<ThrottleVerdict> LoginGuard::Check(const storage::EventLog& log, const LoginAttempt& attempt,
                                          core::Micros now) const {
  if (!enforce_) return ThrottleVerdict{};
  return Evaluate(log, attempt, policy_, now);
}

storage::DecideFn LoginGuard::Guard(storage::DecideFn inner, LoginAttempt attempt, Origin origin,
                                    std::shared_ptr<ThrottleVerdict> verdict) const {
  if (!enforce_) return inner;
  return [policy = policy_, inner = std::move(inner), attempt = std::move(attempt),
          origin = std::move(origin), verdict](storage::Txn& txn) -> Result<void> {
    auto v = Evaluate(txn, attempt, policy, txn.Now());
    if (!v) return v.error();
    if (!v->throttled()) return inner(txn);
    *verdict = *v;
    return AppendThrottled(txn, attempt, *v, origin);
  };
}

storage::DecideFn LoginGuard::RecordThrottled(LoginAttempt attempt, ThrottleVerdict verdict,
                                              Origin origin) const {
  return [attempt = std::move(attempt), verdict,
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    return AppendThrottled(txn, attempt, verdict, origin);
  };
}

}  // namespace authd::projections
