#include "net/fields.hpp"

namespace authd::net {

std::optional<std::string> Fields::String(std::string_view name, bool required) {
  const auto* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) errors_.push_back({std::string(name), "required", "This field is required."});
    return std::nullopt;
  }
  if (!v->is_string()) {
    errors_.push_back({std::string(name), "invalid_type", "This field must be a string."});
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<bool> Fields::Bool(std::string_view name) {
  const auto* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_bool()) {
    errors_.push_back({std::string(name), "invalid_type", "This field must be true or false."});
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::vector<std::string>> Fields::Strings(std::string_view name, bool required) {
  const auto* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) errors_.push_back({std::string(name), "required", "This field is required."});
    return std::nullopt;
  }
  if (!v->is_array()) {
    errors_.push_back({std::string(name), "invalid_type", "This field must be a list of strings."});
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) {
      errors_.push_back(
          {std::string(name), "invalid_type", "This field must be a list of strings."});
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  return out;
}

void Fields::Add(std::vector<core::FieldError> more) {
  for (auto& e : more)
    errors_.push_back(std::move(e));
}

Response Fields::Problem() const {
  return ProblemResponse(422, "validation_failed", "Validation failed",
                         "Some fields are not valid; see errors.", errors_);
}

}  // namespace authd::net
