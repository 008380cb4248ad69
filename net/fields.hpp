// Reading fields of a JSON request body, collecting per-field errors for a 422.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/validation.hpp"
#include "net/http_types.hpp"

namespace authd::net {

class Fields {
 public:
  explicit Fields(const boost::json::object& body) : body_(body) {}

  // The string field, or nullopt (adding "required" when required and missing or null, and
  // "invalid_type" when present but not a string).
  [[nodiscard]] std::optional<std::string> String(std::string_view name, bool required);
  // The boolean field, or nullopt ("invalid_type" when present but not a boolean).
  [[nodiscard]] std::optional<bool> Bool(std::string_view name);
  // An array of strings, or nullopt ("required" / "invalid_type").
  [[nodiscard]] std::optional<std::vector<std::string>> Strings(std::string_view name,
                                                                bool required);
  [[nodiscard]] bool Has(std::string_view name) const { return body_.contains(name); }

  void Add(std::vector<core::FieldError> more);
  void Add(core::FieldError e) { errors_.push_back(std::move(e)); }
  [[nodiscard]] bool ok() const { return errors_.empty(); }
  [[nodiscard]] const std::vector<core::FieldError>& errors() const { return errors_; }
  // 422 validation_failed with the collected errors.
  [[nodiscard]] Response Problem() const;

 private:
  const boost::json::object& body_;
  std::vector<core::FieldError> errors_;
};

}  // namespace authd::net
