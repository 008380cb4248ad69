#include "projections/mail_outbox.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "core/event_types.hpp"
#include "core/hashing.hpp"
#include "projections/id_list.hpp"
#include "projections/json_fields.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;

std::string UserKey(std::string_view user_id) {
  return "u/" + std::string(user_id);
}

Result<void> ApplyRequested(const core::Event& event, storage::ProjectionStore& store) {
  auto to = event.sealed.find("to");
  OutboxRecord m{.id = event.stream,
                 .user_id = std::string(StringOf(event.data, "user_id")),
                 .template_name = std::string(StringOf(event.data, "template")),
                 .requested_at = event.at,
                 .expires_at = IntOf(event.data, "expires_at"),
                 .sealed_to = to == event.sealed.end() ? std::string() : to->second};
  store.Put(OutboxKey(m.id), EncodeOutboxRecord(m));
  auto list = LoadIdList(store, UserKey(m.user_id));
  if (!list) return list.error();
  list->push_back(m.id);
  StoreIdList(store, UserKey(m.user_id), *list);
  return {};
}

Result<void> ApplyDelivered(const core::Event& event, storage::ProjectionStore& store) {
  store.Delete(OutboxKey(event.stream));
  const std::string_view user_id = StringOf(event.data, "user_id");
  auto list = LoadIdList(store, UserKey(user_id));
  if (!list) return list.error();
  std::erase(*list, event.stream);
  StoreIdList(store, UserKey(user_id), *list);
  return {};
}

Result<void> ApplyUserDeleted(const core::Event& event, storage::ProjectionStore& store) {
  auto list = LoadIdList(store, UserKey(event.stream));
  if (!list) return list.error();
  for (const auto& id : *list)
    store.Delete(OutboxKey(id));
  store.Delete(UserKey(event.stream));
  return {};
}

}  // namespace

std::string OutboxKey(std::string_view mail_id) {
  return "m/" + std::string(mail_id);
}

std::string EncodeOutboxRecord(const OutboxRecord& m) {
  boost::json::object o;
  o["id"] = m.id;
  o["user_id"] = m.user_id;
  o["template"] = m.template_name;
  o["requested_at"] = m.requested_at;
  o["expires_at"] = m.expires_at;
  // Sealed blobs are bytes: base64url keeps the row valid JSON.
  o["sealed_to"] = core::ToBase64Url(
      std::span(reinterpret_cast<const std::uint8_t*>(m.sealed_to.data()), m.sealed_to.size()));
  return core::CanonicalJson(o);
}

Result<OutboxRecord> DecodeOutboxRecord(std::string_view bytes) {
  boost::system::error_code ec;
  auto v = boost::json::parse(bytes, ec);
  if (ec || !v.is_object()) return core::Errc::kCorruptRecord;
  const auto& o = v.get_object();
  OutboxRecord m{.id = std::string(StringOf(o, "id")),
                 .user_id = std::string(StringOf(o, "user_id")),
                 .template_name = std::string(StringOf(o, "template")),
                 .requested_at = IntOf(o, "requested_at"),
                 .expires_at = IntOf(o, "expires_at"),
                 .sealed_to = {}};
  if (m.id.empty() || m.user_id.empty() ||
      !core::FromBase64Url(StringOf(o, "sealed_to"), m.sealed_to)) {
    return core::Errc::kCorruptRecord;
  }
  return m;
}

Result<void> MailOutbox::Apply(const core::Event& event, storage::ProjectionStore& store) {
  const std::string_view type = event.type;
  if (type == ev::kMailRequested) return ApplyRequested(event, store);
  if (type == ev::kMailDelivered) return ApplyDelivered(event, store);
  if (type == ev::kUserDeleted) return ApplyUserDeleted(event, store);
  return {};
}

Result<std::vector<OutboxRecord>> PendingMail(const storage::EventLog& log) {
  std::vector<OutboxRecord> out;
  Result<void> bad;
  auto scanned = log.Scan(kMailOutboxFamily, "m/", "", [&](std::string_view, std::string_view v) {
    auto m = DecodeOutboxRecord(v);
    if (!m) {
      bad = m.error();
      return false;
    }
    out.push_back(std::move(*m));
    return true;
  });
  if (!scanned) return scanned.error();
  if (!bad) return bad.error();
  return out;
}

}  // namespace authd::projections
