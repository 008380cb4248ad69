#include "net/cookies.hpp"

#include <string>

namespace authd::net {

std::optional<std::string_view> CookieValue(const Request& request, std::string_view name) {
  for (const auto& [header, value] : request.headers) {
    if (!IEquals(header, "Cookie")) continue;
    std::string_view list = value;
    while (!list.empty()) {
      const auto semi = list.find(';');
      std::string_view pair = list.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      const auto eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return pair.substr(eq + 1);
      if (semi == std::string_view::npos) break;
      list.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

void SetCookie(Response& response, std::string_view name, std::string_view value,
               std::int64_t max_age_seconds, CookieAccess access) {
  std::string cookie(name);
  cookie.append("=").append(value);
  cookie.append("; Path=/; Max-Age=").append(std::to_string(max_age_seconds));
  cookie.append("; Secure");
  if (access == CookieAccess::kHttpOnly) cookie.append("; HttpOnly");
  cookie.append("; SameSite=Strict");
  response.AddHeader("Set-Cookie", cookie);
}

void ClearCookie(Response& response, std::string_view name, CookieAccess access) {
  SetCookie(response, name, "", 0, access);
}

}  // namespace authd::net
