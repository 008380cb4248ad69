// Reading and writing the small JSON shapes that event payloads and projection rows share.
// Readers are lenient (a missing or mistyped field reads as empty) because event payloads are
// validated when they are written; row decoders that must be strict check kinds themselves.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace authd::projections {

[[nodiscard]] boost::json::array ToJsonArray(const std::vector<std::string>& v);
// The strings of a JSON array (other elements and non-arrays read as nothing).
[[nodiscard]] std::vector<std::string> StringsOf(const boost::json::value* v);
// data[name] as a string, "" when absent or not a string.
[[nodiscard]] std::string_view StringOf(const boost::json::object& data, std::string_view name);
// data[name] as an integer, 0 when absent or not an integer.
[[nodiscard]] core::Micros IntOf(const boost::json::object& data, std::string_view name);

}  // namespace authd::projections
