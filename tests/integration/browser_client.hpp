// A browser as authd's cookie sessions see it: a cookie jar filled from Set-Cookie, the Origin
// its pages send, and the X-CSRF-Token header its scripts add. For the cookie and CSRF tests.
#pragma once

#include <map>
#include <string>

#include "tests/integration/api_client.hpp"

namespace authd::test {

struct SetCookieLine {
  std::string name;
  std::string value;
  std::string attributes;  // everything after the first ';', as sent
};

inline std::vector<SetCookieLine> SetCookies(const ClientResponse& res) {
  std::vector<SetCookieLine> out;
  for (const auto& field : res) {
    if (field.name() != boost::beast::http::field::set_cookie) continue;
    const std::string line(field.value());
    const auto eq = line.find('=');
    const auto semi = line.find(';');
    out.push_back({line.substr(0, eq), line.substr(eq + 1, semi - eq - 1),
                   semi == std::string::npos ? "" : line.substr(semi)});
  }
  return out;
}

class Browser {
 public:
  Browser(Api api, std::string origin) : api_(std::move(api)), origin_(std::move(origin)) {}

  // A JSON request with the jar's cookies and this browser's Origin; `csrf` adds X-CSRF-Token
  // from the authd_csrf cookie, as authd's page scripts do.
  ClientResponse Send(std::string_view method, std::string_view target, const json::value& body,
                      bool csrf = true, ExtraHeaders extra = {}) {
    ExtraHeaders headers = {{"Content-Type", "application/json"}};
    if (!origin_.empty()) headers.emplace_back("Origin", origin_);
    if (!jar_.empty()) headers.emplace_back("Cookie", CookieHeader());
    if (csrf && jar_.contains("authd_csrf"))
      headers.emplace_back("X-CSRF-Token", jar_["authd_csrf"]);
    for (auto& h : extra)
      headers.push_back(std::move(h));
    auto res = api_.Call(method, target, method == "GET" ? "" : json::serialize(body), headers);
    Absorb(res);
    return res;
  }
  ClientResponse Get(std::string_view target) { return Send("GET", target, json::object{}); }

  // GET /v1/csrf, as a page does before its first login.
  void FetchCsrf() { Get("/v1/csrf"); }

  ClientResponse LogIn(const Account& a) {
    return Send(
        "POST", "/v1/sessions",
        json::object{{"username", a.username}, {"password", a.password}, {"use_cookies", true}});
  }

  std::map<std::string, std::string>& jar() { return jar_; }
  void set_origin(std::string origin) { origin_ = std::move(origin); }

 private:
  std::string CookieHeader() const {
    std::string header;
    for (const auto& [name, value] : jar_) {
      if (!header.empty()) header += "; ";
      header += name + "=" + value;
    }
    return header;
  }
  void Absorb(const ClientResponse& res) {
    for (const auto& c : SetCookies(res)) {
      if (c.attributes.find("Max-Age=0") != std::string::npos) {
        jar_.erase(c.name);
      } else {
        jar_[c.name] = c.value;
      }
    }
  }

  Api api_;  // by value: callers pass the temporary ServerSuite::api()
  std::string origin_;
  std::map<std::string, std::string> jar_;
};

}  // namespace authd::test
