// Sealed fields inside projection rows: field name -> base64url of the sealed blob, as JSON.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

namespace authd::projections {

using SealedFields = std::map<std::string, std::string, std::less<>>;

[[nodiscard]] boost::json::object SealedToJson(const SealedFields& sealed);
// False when a value is not a base64url string (a corrupt row).
[[nodiscard]] bool SealedFromJson(const boost::json::object& json, SealedFields& out);

}  // namespace authd::projections
