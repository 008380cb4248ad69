#include "projections/signing_keys.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"

namespace authd::projections {
namespace {

constexpr std::string_view kMetaFamily = "meta";
constexpr std::string_view kListKey = "signing_keys";

std::string Subject(std::string_view kid) {
  return "sig_" + std::string(kid);
}

struct Entry {
  std::string kid;
  core::Micros created_at = 0;
  core::Micros retired_at = 0;
};

std::vector<Entry> ParseList(std::string_view bytes) {
  std::vector<Entry> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.get_array()) {
    const auto* o = item.if_object();
    if (o == nullptr) continue;
    const auto* kid = o->if_contains("kid");
    const auto* created = o->if_contains("created_at");
    const auto* retired = o->if_contains("retired_at");
    if (kid == nullptr || !kid->is_string() || created == nullptr || !created->is_int64() ||
        retired == nullptr || !retired->is_int64()) {
      continue;
    }
    out.push_back({std::string(kid->get_string()), created->get_int64(), retired->get_int64()});
  }
  return out;
}

std::string EncodeList(const std::vector<Entry>& entries) {
  boost::json::array a;
  for (const auto& e : entries) {
    a.push_back(boost::json::object{
        {"kid", e.kid}, {"created_at", e.created_at}, {"retired_at", e.retired_at}});
  }
  return core::CanonicalJson(a);
}

// Adds a new key (newest first) and retires the previous current one, in one decision.
storage::DecideFn AddKey(std::string kid) {
  return [kid = std::move(kid)](storage::Txn& txn) -> Result<void> {
    auto list = txn.Get(kMetaFamily, kListKey);
    if (!list) return list.error();
    auto entries = *list ? ParseList(**list) : std::vector<Entry>();
    const core::Micros now = txn.Now();
    for (auto& e : entries) {
      if (e.retired_at == 0) e.retired_at = now;
    }
    auto key = txn.CreateDataKey(Subject(kid));
    if (!key) return key.error();
    entries.insert(entries.begin(), {kid, now, 0});
    return txn.Put(kMetaFamily, kListKey, EncodeList(entries));
  };
}

}  // namespace

Result<std::shared_ptr<const SigningKeys::Snapshot>> SigningKeys::Read(
    const storage::EventLog& log) {
  auto list = log.Get(kMetaFamily, kListKey);
  if (!list) return list.error();
  auto snapshot = std::make_shared<Snapshot>();
  if (!*list) return std::shared_ptr<const Snapshot>(snapshot);
  for (const auto& e : ParseList(**list)) {
    auto seed = log.DataKey(Subject(e.kid));
    if (!seed) continue;  // a destroyed key verifies nothing
    core::Ed25519Seed s;
    std::copy(seed->data(), seed->data() + seed->kSize, s.data());
    auto key = std::make_shared<SigningKey>();
    key->kid = e.kid;
    key->created_at = e.created_at;
    key->retired_at = e.retired_at;
    key->pair = std::make_shared<const core::Ed25519KeyPair>(core::Ed25519KeyPair::FromSeed(s));
    snapshot->push_back(std::move(key));
  }
  return std::shared_ptr<const Snapshot>(snapshot);
}

Result<std::unique_ptr<SigningKeys>> SigningKeys::Load(storage::EventLog& log,
                                                       core::IdGenerator& ids) {
  auto keys = std::unique_ptr<SigningKeys>(new SigningKeys());
  auto snapshot = Read(log);
  if (!snapshot) return snapshot.error();
  if ((*snapshot)->empty() || (*snapshot)->front()->retired_at != 0) {
    if (auto rotated = keys->Rotate(log, ids); !rotated) return rotated.error();
    return keys;
  }
  keys->keys_ = *snapshot;
  return keys;
}

std::shared_ptr<const SigningKeys::Snapshot> SigningKeys::Get() const {
  std::lock_guard lock(mu_);
  return keys_;
}

std::shared_ptr<const SigningKey> SigningKeys::Current() const {
  return Get()->front();
}

std::vector<std::shared_ptr<const SigningKey>> SigningKeys::Verifying(
    core::Micros now, core::Micros max_token_lifetime) const {
  std::vector<std::shared_ptr<const SigningKey>> out;
  for (const auto& k : *Get()) {
    if (k->retired_at == 0 || now - k->retired_at < max_token_lifetime) out.push_back(k);
  }
  return out;
}

std::optional<core::Ed25519PublicKey> SigningKeys::Lookup(std::string_view kid, core::Micros now,
                                                          core::Micros max_token_lifetime) const {
  for (const auto& k : *Get()) {
    if (k->kid != kid) continue;
    if (k->retired_at != 0 && now - k->retired_at >= max_token_lifetime) return std::nullopt;
    return k->pair->public_key();
  }
  return std::nullopt;
}

Result<void> SigningKeys::Rotate(storage::EventLog& log, core::IdGenerator& ids) {
  // Key ids are public: a random id says nothing about the key.
  auto committed = log.Execute(AddKey(ids.Next("k")));
  if (!committed) return committed.error();
  auto snapshot = Read(log);
  if (!snapshot) return snapshot.error();
  if ((*snapshot)->empty()) return core::Errc::kCryptoFailure;
  std::lock_guard lock(mu_);
  keys_ = *snapshot;
  return {};
}

}  // namespace authd::projections
