#include "projections/api_keys.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/event_types.hpp"
#include "projections/command_support.hpp"
#include "projections/id_list.hpp"
#include "projections/json_fields.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

Result<std::optional<ApiKeyRecord>> Load(storage::ProjectionStore& store, std::string_view id) {
  auto row = store.Get(ApiKeyKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<ApiKeyRecord>();
  auto k = DecodeApiKeyRecord(**row);
  if (!k) return k.error();
  return std::optional<ApiKeyRecord>(std::move(*k));
}

void Remove(storage::ProjectionStore& store, const ApiKeyRecord& k) {
  store.Delete(ApiKeyHashKey(k.hash));
  store.Delete(ApiKeyKey(k.id));
}

Result<void> ApplyCreated(const core::Event& event, storage::ProjectionStore& store) {
  ApiKeyRecord k;
  k.id = event.stream;
  k.user_id = std::string(StringOf(event.data, "user_id"));
  k.name = std::string(StringOf(event.data, "name"));
  k.scopes = StringsOf(event.data.if_contains("scopes"));
  k.created_at = event.at;
  k.expires_at = IntOf(event.data, "expires_at");
  k.hash = std::string(StringOf(event.data, "key_hash"));
  store.Put(ApiKeyKey(k.id), EncodeApiKeyRecord(k));
  store.Put(ApiKeyHashKey(k.hash), k.id);
  auto list = LoadIdList(store, UserApiKeysKey(k.user_id));
  if (!list) return list.error();
  list->push_back(k.id);
  StoreIdList(store, UserApiKeysKey(k.user_id), *list);
  return {};
}

Result<void> ApplyRotated(const core::Event& event, storage::ProjectionStore& store) {
  auto k = Load(store, event.stream);
  if (!k) return k.error();
  if (!*k) return {};
  store.Delete(ApiKeyHashKey((*k)->hash));
  (*k)->hash = std::string(StringOf(event.data, "key_hash"));
  (*k)->rotated_at = event.at;
  store.Put(ApiKeyHashKey((*k)->hash), (*k)->id);
  store.Put(ApiKeyKey((*k)->id), EncodeApiKeyRecord(**k));
  return {};
}

Result<void> ApplyRevoked(const core::Event& event, storage::ProjectionStore& store) {
  auto k = Load(store, event.stream);
  if (!k) return k.error();
  if (!*k) return {};
  Remove(store, **k);
  auto list = LoadIdList(store, UserApiKeysKey((*k)->user_id));
  if (!list) return list.error();
  std::erase(*list, (*k)->id);
  StoreIdList(store, UserApiKeysKey((*k)->user_id), *list);
  return {};
}

Result<void> ApplyUserDeleted(const core::Event& event, storage::ProjectionStore& store) {
  auto list = LoadIdList(store, UserApiKeysKey(event.stream));
  if (!list) return list.error();
  for (const auto& id : *list) {
    auto k = Load(store, id);
    if (!k) return k.error();
    if (*k) Remove(store, **k);
  }
  store.Delete(UserApiKeysKey(event.stream));
  return {};
}

core::Event KeyEvent(std::string_view type, std::string_view key_id, std::string_view user_id,
                     const Origin& origin) {
  core::Event e = MakeEvent(type, key_id, origin);
  e.subject = std::string(user_id);  // sealed fields of a key belong to its user
  e.data["user_id"] = user_id;
  return e;
}

// The user's key `key_id`, live at `now`, or nullopt.
Result<std::optional<ApiKeyRecord>> OwnedKey(storage::Txn& txn, std::string_view user_id,
                                             std::string_view key_id) {
  auto row = txn.Get(kApiKeysFamily, ApiKeyKey(key_id));
  if (!row) return row.error();
  if (!*row) return std::optional<ApiKeyRecord>();
  auto k = DecodeApiKeyRecord(**row);
  if (!k) return k.error();
  if (k->user_id != user_id) return std::optional<ApiKeyRecord>();
  return std::optional<ApiKeyRecord>(std::move(*k));
}

}  // namespace

std::string ApiKeyKey(std::string_view id) {
  return "k/" + std::string(id);
}
std::string ApiKeyHashKey(std::string_view hash) {
  return "h/" + std::string(hash);
}
std::string UserApiKeysKey(std::string_view user_id) {
  return "u/" + std::string(user_id);
}

std::string EncodeApiKeyRecord(const ApiKeyRecord& k) {
  boost::json::object o;
  o["id"] = k.id;
  o["user_id"] = k.user_id;
  o["name"] = k.name;
  o["scopes"] = ToJsonArray(k.scopes);
  o["created_at"] = k.created_at;
  o["rotated_at"] = k.rotated_at;
  o["expires_at"] = k.expires_at;
  o["hash"] = k.hash;
  return core::CanonicalJson(o);
}

Result<ApiKeyRecord> DecodeApiKeyRecord(std::string_view bytes) {
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_object()) return core::Errc::kCorruptRecord;
  const auto& o = v.get_object();
  ApiKeyRecord k;
  try {
    k.id = o.at("id").as_string();
    k.user_id = o.at("user_id").as_string();
    k.name = o.at("name").as_string();
    k.scopes = StringsOf(&o.at("scopes"));
    k.created_at = o.at("created_at").to_number<core::Micros>();
    k.rotated_at = o.at("rotated_at").to_number<core::Micros>();
    k.expires_at = o.at("expires_at").to_number<core::Micros>();
    k.hash = o.at("hash").as_string();
  } catch (const std::exception&) {
    return core::Errc::kCorruptRecord;  // a missing key or wrong kind: not a key row
  }
  return k;
}

Result<void> ApiKeyTable::Apply(const core::Event& event, storage::ProjectionStore& store) {
  const std::string_view type = event.type;
  if (type == ev::kApiKeyCreated) return ApplyCreated(event, store);
  if (type == ev::kApiKeyRotated) return ApplyRotated(event, store);
  if (type == ev::kApiKeyRevoked) return ApplyRevoked(event, store);
  if (type == ev::kUserDeleted) return ApplyUserDeleted(event, store);
  return {};
}

storage::DecideFn ApiKeyCommands::Create(NewApiKey key, Origin origin) const {
  return [key = std::move(key), origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto user_row = txn.Get(kUsersFamily, UserKey(key.user_id));
    if (!user_row) return user_row.error();
    if (!*user_row) return core::Errc::kNotFound;
    auto user = DecodeUserRecord(**user_row);
    if (!user) return user.error();
    if (user->disabled) return core::Errc::kAccountDisabled;
    auto taken = txn.Get(kApiKeysFamily, ApiKeyKey(key.id));
    if (!taken) return taken.error();
    if (*taken) return core::Errc::kConflict;
    auto list = txn.Get(kApiKeysFamily, UserApiKeysKey(key.user_id));
    if (!list) return list.error();
    if (*list) {
      boost::system::error_code ec;
      auto v = boost::json::parse(**list, ec);
      if (!ec && StringsOf(&v).size() >= kMaxApiKeysPerUser) return core::Errc::kConflict;
    }
    core::Event e = KeyEvent(ev::kApiKeyCreated, key.id, key.user_id, origin);
    e.data["name"] = key.name;
    e.data["scopes"] = ToJsonArray(key.scopes);
    e.data["expires_at"] = key.expires_at;
    e.data["key_hash"] = key.hash;  // "_hash" fields are redacted in every rendering
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn ApiKeyCommands::Rotate(std::string user_id, std::string key_id,
                                         std::string new_hash, Origin origin) const {
  return [user_id = std::move(user_id), key_id = std::move(key_id), new_hash = std::move(new_hash),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto k = OwnedKey(txn, user_id, key_id);
    if (!k) return k.error();
    if (!*k || (*k)->ExpiredAt(txn.Now())) return core::Errc::kNotFound;
    core::Event e = KeyEvent(ev::kApiKeyRotated, key_id, user_id, origin);
    e.data["key_hash"] = new_hash;
    return AppendEvent(txn, std::move(e));
  };
}

storage::DecideFn ApiKeyCommands::Revoke(std::string user_id, std::string key_id,
                                         Origin origin) const {
  return [user_id = std::move(user_id), key_id = std::move(key_id),
          origin = std::move(origin)](storage::Txn& txn) -> Result<void> {
    auto k = OwnedKey(txn, user_id, key_id);
    if (!k) return k.error();
    if (!*k) return core::Errc::kNotFound;
    core::Event e = KeyEvent(ev::kApiKeyRevoked, key_id, user_id, origin);
    e.data["reason"] = "revoked";
    return AppendEvent(txn, std::move(e));
  };
}

}  // namespace authd::projections
