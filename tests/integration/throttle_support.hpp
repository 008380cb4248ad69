// Helpers for the throttling tests: requests that name their client address through
// X-Forwarded-For (the suites trust it from 127.0.0.1, see ApiOptions::trusted_proxy).
#pragma once

#include <string>
#include <string_view>

#include "tests/integration/api_client.hpp"

namespace authd::test {

inline ClientResponse SendFrom(const Api& api, const std::string& address, std::string_view target,
                               const json::object& body) {
  return api.Call("POST", target, json::serialize(body),
                  {{"Content-Type", "application/json"}, {"X-Forwarded-For", address}});
}

inline ClientResponse LoginFrom(const Api& api, const std::string& address,
                                const std::string& username, const std::string& password) {
  return SendFrom(api, address, "/v1/sessions",
                  json::object{{"username", username}, {"password", password}});
}

// Retry-After as whole seconds, or -1 when missing or not a number.
inline long RetryAfter(const ClientResponse& res) {
  auto it = res.find("Retry-After");
  if (it == res.end()) return -1;
  try {
    return std::stol(std::string(it->value()));
  } catch (const std::exception&) {
    return -1;
  }
}

// The open alert of that kind in a GET /v1/security/failed-logins answer, or null.
inline const json::object* FindAlert(const json::object& report, std::string_view kind) {
  for (const auto& a : report.at("alerts").as_array()) {
    if (a.as_object().at("kind").as_string() == kind) return &a.as_object();
  }
  return nullptr;
}

}  // namespace authd::test
