#include "projections/throttle_table.hpp"

#include <algorithm>
#include <cstring>

#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "projections/user_commands.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

// Row keys hash already-pseudonymous inputs, so a public (all-zero) key is enough: the hash only
// makes keys fixed-size, it hides nothing that the inputs did not already hide.
std::string RowKey(char kind, std::string_view purpose, std::string_view value) {
  static const core::Key256 kPublicKey;
  const auto digest = core::KeyedHash(kPublicKey, purpose, value);
  std::string k(1, kind);
  k.append(reinterpret_cast<const char*>(digest.data()), 16);
  return k;
}

void Put64(std::string& out, std::uint64_t v) {
  for (int i = 7; i >= 0; --i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t Get64(std::string_view in, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i)
    v = (v << 8) | static_cast<std::uint8_t>(in[at + i]);
  return v;
}

std::string_view StringField(const core::Event& e, std::string_view name) {
  const auto* v = e.data.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

template <class State>
Result<State> Load(storage::ProjectionStore& store, const std::string& key,
                   State (*decode)(std::string_view)) {
  auto row = store.Get(key);
  if (!row) return row.error();
  return *row ? decode(**row) : State{};
}

}  // namespace

std::string AccountOfUser(std::string_view user_id) {
  return "u:" + std::string(user_id);
}

std::string AccountOfName(std::string_view name_hash) {
  return "n:" + std::string(name_hash);
}

std::optional<LoginSubject> SubjectOf(const core::Event& e) {
  if (e.type != ev::kUserLoginFailed && e.type != ev::kUserLoginSucceeded &&
      e.type != ev::kUserLoginThrottled) {
    return std::nullopt;
  }
  LoginSubject s;
  if (e.stream == kUnknownAccountsStream) {
    const auto name = StringField(e, "name_hash");
    if (name.empty()) return std::nullopt;
    s.account = AccountOfName(name);
  } else {
    s.account = AccountOfUser(e.stream);
  }
  s.addr = std::string(StringField(e, "addr"));
  return s;
}

std::string PairRowKey(std::string_view account, std::string_view addr) {
  std::string v(account);
  v.push_back('\0');
  v.append(addr);
  return RowKey('p', "throttle_pair", v);
}

std::string AccountRowKey(std::string_view account) {
  return RowKey('c', "throttle_account", account);
}

std::string AddressRowKey(std::string_view addr) {
  return RowKey('a', "throttle_address", addr);
}

std::string EncodePair(const PairState& s) {
  std::string out;
  Put64(out, s.failures);
  Put64(out, static_cast<std::uint64_t>(s.last_failure_at));
  Put64(out, static_cast<std::uint64_t>(s.last_success_at));
  return out;
}

std::string EncodeAccount(const AccountState& s) {
  std::string out;
  Put64(out, s.failures);
  Put64(out, static_cast<std::uint64_t>(s.last_failure_at));
  return out;
}

std::string EncodeAddress(const AddressState& s) {
  std::string out;
  for (auto t : s.failures)
    Put64(out, static_cast<std::uint64_t>(t));
  return out;
}

PairState DecodePair(std::string_view row) {
  if (row.size() != 24) return {};
  return {static_cast<std::uint32_t>(Get64(row, 0)), static_cast<core::Micros>(Get64(row, 8)),
          static_cast<core::Micros>(Get64(row, 16))};
}

AccountState DecodeAccount(std::string_view row) {
  if (row.size() != 16) return {};
  return {static_cast<std::uint32_t>(Get64(row, 0)), static_cast<core::Micros>(Get64(row, 8))};
}

AddressState DecodeAddress(std::string_view row) {
  AddressState s;
  if (row.size() % 8 != 0) return s;
  for (std::size_t i = 0; i < row.size(); i += 8)
    s.failures.push_back(static_cast<core::Micros>(Get64(row, i)));
  return s;
}

void RecordFailure(PairState& s, core::Micros at) {
  if (s.failures > 0 && at - s.last_failure_at > kPairForget) s.failures = 0;
  if (s.failures < UINT32_MAX) ++s.failures;
  s.last_failure_at = at;
}

void RecordFailure(AccountState& s, core::Micros at) {
  if (s.failures < UINT32_MAX) ++s.failures;
  s.last_failure_at = at;
}

void RecordFailure(AddressState& s, core::Micros at) {
  s.failures.push_back(at);
  if (s.failures.size() > kAddressHistory) {
    s.failures.erase(
        s.failures.begin(),
        s.failures.begin() + static_cast<std::ptrdiff_t>(s.failures.size() - kAddressHistory));
  }
}

void RecordSuccess(PairState& s, core::Micros at) {
  s.failures = 0;
  s.last_success_at = at;
}

Result<void> ThrottleTable::Apply(const core::Event& event, storage::ProjectionStore& store) {
  // Throttled attempts change nothing: they were refused before any password was checked, so
  // hammering a throttle never makes it last longer.
  if (event.type == ev::kUserLoginThrottled) return {};
  auto subject = SubjectOf(event);
  if (!subject) return {};
  const bool failed = event.type == ev::kUserLoginFailed;
  const auto account_key = AccountRowKey(subject->account);
  if (failed) {
    auto account = Load(store, account_key, &DecodeAccount);
    if (!account) return account.error();
    RecordFailure(*account, event.at);
    store.Put(account_key, EncodeAccount(*account));
  } else {
    store.Delete(account_key);
  }
  if (subject->addr.empty()) return {};

  const auto pair_key = PairRowKey(subject->account, subject->addr);
  auto pair = Load(store, pair_key, &DecodePair);
  if (!pair) return pair.error();
  if (failed) {
    RecordFailure(*pair, event.at);
    const auto address_key = AddressRowKey(subject->addr);
    auto address = Load(store, address_key, &DecodeAddress);
    if (!address) return address.error();
    RecordFailure(*address, event.at);
    store.Put(address_key, EncodeAddress(*address));
  } else {
    RecordSuccess(*pair, event.at);
  }
  store.Put(pair_key, EncodePair(*pair));
  return {};
}

}  // namespace authd::projections
