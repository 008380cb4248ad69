#include "projections/command_support.hpp"

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "core/sealing.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {

core::Event MakeEvent(std::string_view type, std::string_view stream, const Origin& origin) {
  core::Event e;
  e.type = std::string(type);
  e.schema = core::events::CurrentSchema(type);
  e.stream = std::string(stream);
  e.subject = std::string(stream);
  e.actor = origin.actor;
  e.request_id = origin.request_id;
  return e;
}

void SealInto(core::Event& e, const core::Key256& key,
              std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  for (const auto& [name, value] : fields) {
    if (value.empty()) continue;
    e.sealed.emplace(std::string(name), core::Seal(key, e.subject, name, value));
  }
}

void SealOrigin(core::Event& e, const core::Key256& key, const Origin& origin) {
  SealInto(e, key, {{"ip", origin.ip}, {"user_agent", origin.user_agent}});
}

Result<UserRecord> LoadUser(storage::Txn& txn, std::string_view id) {
  auto row = txn.Get(kUsersFamily, UserKey(id));
  if (!row) return row.error();
  if (!*row) return core::Errc::kNotFound;
  return DecodeUserRecord(**row);
}

Result<std::string> OpenField(const core::Key256& key, const UserRecord& user,
                              std::string_view field) {
  auto it = user.sealed.find(field);
  if (it == user.sealed.end()) return std::string();
  return core::Open(key, user.id, field, it->second);
}

Result<void> AppendEvent(storage::Txn& txn, core::Event e) {
  auto appended = txn.Append(std::move(e));
  if (!appended) return appended.error();
  return {};
}

}  // namespace authd::projections
