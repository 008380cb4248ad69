#include "projections/sealed_json.hpp"

#include "core/hashing.hpp"

namespace authd::projections {

boost::json::object SealedToJson(const SealedFields& sealed) {
  boost::json::object o;
  for (const auto& [field, blob] : sealed) {
    o[field] = core::ToBase64Url({reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()});
  }
  return o;
}

bool SealedFromJson(const boost::json::object& json, SealedFields& out) {
  for (const auto& kv : json) {
    const auto* text = kv.value().if_string();
    std::string blob;
    if (text == nullptr || !core::FromBase64Url(*text, blob)) return false;
    out.emplace(std::string(kv.key()), std::move(blob));
  }
  return true;
}

}  // namespace authd::projections
