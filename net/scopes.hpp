// What an API key may do on its user's behalf. Access tokens are not scoped (a signed-in user may
// do whatever their roles allow); an API key may do only what one of its scopes names, and never
// anything that needs a fresh password (password change, self-delete, MFA, API key management).
//
// Default deny: a route missing from the table in scopes.cpp is refused to every API key, so a
// new endpoint is closed to keys until someone decides which scope opens it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace authd::net {

// Every scope an API key may carry.
[[nodiscard]] std::span<const std::string_view> KnownScopes();
[[nodiscard]] bool IsKnownScope(std::string_view scope);

// The scope a request needs when made with an API key, matching `path` (percent-encoded, without
// the query) segment by segment like the router does; nullopt: no API key may make it.
[[nodiscard]] std::optional<std::string_view> ScopeFor(std::string_view method,
                                                       std::string_view path);

}  // namespace authd::net
