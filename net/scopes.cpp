#include "net/scopes.hpp"

#include <algorithm>
#include <array>

namespace authd::net {
namespace {

constexpr std::array<std::string_view, 9> kScopes = {
    "profile:read", "profile:write", "sessions:read", "sessions:write", "users:read",
    "users:write",  "roles:write",   "audit:read",    "security:read"};

struct Rule {
  std::string_view method;
  std::string_view pattern;  // "{...}" matches one non-empty segment
  std::string_view scope;    // "" = never with an API key
};

// First match wins: literal routes come before the parameter routes they would also match.
constexpr std::array<Rule, 20> kRules = {{
    {"GET", "/v1/users/me", "profile:read"},
    {"PATCH", "/v1/users/me", "profile:write"},
    {"DELETE", "/v1/users/me", ""},  // needs the password
    {"PUT", "/v1/users/me/password", ""},
    {"POST", "/v1/users/me/mfa/totp", ""},  // second factors are for people, not keys
    {"POST", "/v1/users/me/mfa/totp/confirm", ""},
    {"DELETE", "/v1/users/me/mfa/totp", ""},
    {"GET", "/v1/sessions", "sessions:read"},
    {"DELETE", "/v1/sessions/current", ""},  // a key has no session of its own
    {"DELETE", "/v1/sessions/{id}", "sessions:write"},
    {"GET", "/v1/users", "users:read"},
    {"GET", "/v1/users/{id}", "users:read"},
    {"PUT", "/v1/users/{id}", "users:write"},
    {"PATCH", "/v1/users/{id}", "users:write"},
    {"DELETE", "/v1/users/{id}", "users:write"},
    {"PUT", "/v1/users/{id}/roles", "roles:write"},
    {"GET", "/v1/audit/events", "audit:read"},
    {"GET", "/v1/audit/stream", "audit:read"},
    {"GET", "/v1/security/failed-logins", "security:read"},
    {"GET", "/v1/security/stream", "security:read"},
}};

bool Matches(std::string_view pattern, std::string_view path) {
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') {
      return false;
    }
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto p_end = std::min(pattern.find('/'), pattern.size());
    const auto s_end = std::min(path.find('/'), path.size());
    const auto p_seg = pattern.substr(0, p_end);
    const auto s_seg = path.substr(0, s_end);
    const bool param = p_seg.size() >= 2 && p_seg.front() == '{' && p_seg.back() == '}';
    if (param ? s_seg.empty() : p_seg != s_seg) return false;
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

}  // namespace

std::span<const std::string_view> KnownScopes() {
  return kScopes;
}

bool IsKnownScope(std::string_view scope) {
  return std::find(kScopes.begin(), kScopes.end(), scope) != kScopes.end();
}

std::optional<std::string_view> ScopeFor(std::string_view method, std::string_view path) {
  for (const auto& rule : kRules) {
    if (rule.method == method && Matches(rule.pattern, path)) {
      if (rule.scope.empty()) return std::nullopt;
      return rule.scope;
    }
  }
  return std::nullopt;
}

}  // namespace authd::net
