// The throttle projection: the facts login throttling is decided from, kept inline (in the same
// WriteBatch as the login events), so an attacker cannot outrun it and a rebuild from the log
// gives the same bytes.
//
// It stores facts, not decisions: consecutive failures per (account, address) and per account,
// and the times of the latest failures per address. ThrottlePolicy (throttle_policy.hpp) turns
// them into "blocked until". So changing a limit in the configuration needs no rebuild.
//
// No clear address or name is stored: an account is "u:<user id>" or "n:<keyed hash of the
// attempted name>", an address is the keyed pseudonym from the event's `addr`, and every row key
// is a hash of those.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/event.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

inline constexpr std::string_view kThrottleFamily = "proj_throttle";

// Latest failures kept per address: the per-address limit can be at most this.
inline constexpr std::size_t kAddressHistory = 64;
// A (account, address) pair with no failure for this long starts counting from zero again.
inline constexpr core::Micros kPairForget = 24LL * 3600 * 1'000'000;

struct PairState {
  std::uint32_t failures = 0;  // consecutive, reset by a success from the same pair
  core::Micros last_failure_at = 0;
  core::Micros last_success_at = 0;  // 0: never logged in from this address ("unfamiliar")
};

struct AccountState {
  std::uint32_t failures = 0;  // consecutive, from any address; reset by any success
  core::Micros last_failure_at = 0;
};

struct AddressState {
  std::vector<core::Micros> failures;  // oldest first, at most kAddressHistory
};

// Account identities as the throttle sees them.
[[nodiscard]] std::string AccountOfUser(std::string_view user_id);
[[nodiscard]] std::string AccountOfName(std::string_view name_hash);
// The account and address a login event is about ("" address when the event has none).
struct LoginSubject {
  std::string account;
  std::string addr;
};
[[nodiscard]] std::optional<LoginSubject> SubjectOf(const core::Event& e);

// Row keys in kThrottleFamily.
[[nodiscard]] std::string PairRowKey(std::string_view account, std::string_view addr);
[[nodiscard]] std::string AccountRowKey(std::string_view account);
[[nodiscard]] std::string AddressRowKey(std::string_view addr);

[[nodiscard]] std::string EncodePair(const PairState& s);
[[nodiscard]] std::string EncodeAccount(const AccountState& s);
[[nodiscard]] std::string EncodeAddress(const AddressState& s);
// Malformed rows decode as empty state (they only ever loosen throttling, never crash a login).
[[nodiscard]] PairState DecodePair(std::string_view row);
[[nodiscard]] AccountState DecodeAccount(std::string_view row);
[[nodiscard]] AddressState DecodeAddress(std::string_view row);

// The state changes of one event, shared by the projection and the in-memory monitor.
void RecordFailure(PairState& s, core::Micros at);
void RecordFailure(AccountState& s, core::Micros at);
void RecordFailure(AddressState& s, core::Micros at);
void RecordSuccess(PairState& s, core::Micros at);

class ThrottleTable final : public storage::InlineProjection {
 public:
  [[nodiscard]] std::string_view Name() const override { return "throttle"; }
  [[nodiscard]] std::uint32_t Version() const override { return 1; }
  [[nodiscard]] Result<void> Apply(const core::Event& event,
                                   storage::ProjectionStore& store) override;
};

}  // namespace authd::projections
