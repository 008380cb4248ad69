#include "projections/json_fields.hpp"

namespace authd::projections {

boost::json::array ToJsonArray(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v)
    a.emplace_back(s);
  return a;
}

std::vector<std::string> StringsOf(const boost::json::value* v) {
  std::vector<std::string> out;
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& s : v->get_array()) {
    if (s.is_string()) out.emplace_back(s.get_string());
  }
  return out;
}

std::string_view StringOf(const boost::json::object& data, std::string_view name) {
  const auto* v = data.if_contains(name);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

core::Micros IntOf(const boost::json::object& data, std::string_view name) {
  const auto* v = data.if_contains(name);
  return v != nullptr && v->is_int64() ? v->get_int64() : 0;
}

}  // namespace authd::projections
