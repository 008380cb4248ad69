#include "projections/id_list.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/event_codec.hpp"
#include "projections/json_fields.hpp"

namespace authd::projections {

Result<std::vector<std::string>> LoadIdList(storage::ProjectionStore& store, std::string_view key) {
  auto row = store.Get(key);
  if (!row) return row.error();
  if (!*row) return std::vector<std::string>();
  boost::system::error_code ec;
  auto v = boost::json::parse(**row, ec);
  if (ec || !v.is_array()) return core::Errc::kCorruptRecord;
  std::vector<std::string> ids;
  ids.reserve(v.get_array().size());
  for (const auto& id : v.get_array()) {
    if (!id.is_string()) return core::Errc::kCorruptRecord;
    ids.emplace_back(id.get_string());
  }
  return ids;
}

void StoreIdList(storage::ProjectionStore& store, std::string_view key,
                 const std::vector<std::string>& ids) {
  if (ids.empty()) {
    store.Delete(key);
  } else {
    store.Put(key, core::CanonicalJson(ToJsonArray(ids)));
  }
}

}  // namespace authd::projections
