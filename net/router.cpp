#include "net/router.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "net/url.hpp"

namespace authd::net {
namespace {

// "/" -> {""}; "/a/b" -> {"a", "b"}; "/a/" -> {"a", ""}. Caller checks the leading '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParamName(std::string_view name) {
  if (name.empty()) return false;
  auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  auto ok_rest = [&](char c) { return ok_first(c) || (c >= '0' && c <= '9'); };
  return ok_first(name.front()) && std::all_of(name.begin() + 1, name.end(), ok_rest);
}

bool IsMethodToken(std::string_view method) {
  return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

[[noreturn]] void Reject(std::string_view pattern, std::string_view why) {
  throw std::invalid_argument("route pattern \"" + std::string(pattern) +
                              "\": " + std::string(why));
}

}  // namespace

std::optional<std::string_view> RequestContext::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

void Router::Add(std::string_view method, std::string_view pattern, Handler handler) {
  if (!IsMethodToken(method)) Reject(pattern, "method must be an upper-case token");
  if (pattern.empty() || pattern.front() != '/') Reject(pattern, "must start with '/'");
  if (!handler) Reject(pattern, "handler is empty");
  Route route{std::string(method), std::string(pattern), {}, std::move(handler)};
  std::set<std::string_view> names;
  auto parts = SplitPath(pattern);
  for (auto part : parts) {
    if (part.empty()) {
      if (pattern != "/") Reject(pattern, "empty segment");
      route.segments.push_back({"", false});
      continue;
    }
    if (part.front() == '{') {
      if (part.back() != '}') Reject(pattern, "unterminated parameter");
      auto name = part.substr(1, part.size() - 2);
      if (!IsParamName(name)) Reject(pattern, "bad parameter name");
      if (!names.insert(name).second) Reject(pattern, "repeated parameter name");
      route.segments.push_back({std::string(name), true});
      continue;
    }
    if (part.find_first_of("{}") != std::string_view::npos) {
      Reject(pattern, "braces inside a literal segment");
    }
    route.segments.push_back({std::string(part), false});
  }
  for (const auto& other : routes_) {
    if (other.method != route.method || other.segments.size() != route.segments.size()) continue;
    bool same_shape =
        std::equal(other.segments.begin(), other.segments.end(), route.segments.begin(),
                   [](const Segment& a, const Segment& b) {
                     return a.is_param == b.is_param && (a.is_param || a.text == b.text);
                   });
    if (same_shape) Reject(pattern, "duplicate of " + other.method + " " + other.pattern);
  }
  routes_.push_back(std::move(route));
}

bool Router::Has(std::string_view method, std::string_view pattern) const {
  return std::any_of(routes_.begin(), routes_.end(),
                     [&](const Route& r) { return r.method == method && r.pattern == pattern; });
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> out;
  out.reserve(routes_.size());
  for (const auto& r : routes_)
    out.push_back({r.method, r.pattern});
  return out;
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match result;
  if (path.empty() || path.front() != '/') return result;
  auto parts = SplitPath(path);

  auto matches = [&](const Route& r) {
    if (r.segments.size() != parts.size()) return false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (!r.segments[i].is_param && r.segments[i].text != parts[i]) return false;
      if (r.segments[i].is_param && parts[i].empty()) return false;
    }
    return true;
  };
  // True when a is more specific than b: at the first differing position a has a literal.
  auto more_specific = [](const Route& a, const Route& b) {
    for (std::size_t i = 0; i < a.segments.size(); ++i) {
      if (a.segments[i].is_param != b.segments[i].is_param) return !a.segments[i].is_param;
    }
    return false;
  };

  const Route* best = nullptr;
  const Route* best_get = nullptr;  // for HEAD falling back to GET
  for (const auto& r : routes_) {
    if (!matches(r)) continue;
    if (r.method == method && (best == nullptr || more_specific(r, *best))) best = &r;
    if (r.method == "GET" && (best_get == nullptr || more_specific(r, *best_get))) best_get = &r;
  }
  if (best == nullptr && method == "HEAD") best = best_get;
  if (best == nullptr) {
    // Only a 405 needs the methods the path allows: a second pass, off the path of every request.
    std::set<std::string_view> allowed;
    for (const auto& r : routes_) {
      if (!matches(r)) continue;
      allowed.insert(r.method);
      if (r.method == "GET") allowed.insert("HEAD");
    }
    if (allowed.empty()) return result;
    result.kind = Match::Kind::kMethodNotAllowed;
    for (auto m : allowed) {
      if (!result.allow.empty()) result.allow += ", ";
      result.allow += m;
    }
    return result;
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (!best->segments[i].is_param) continue;
    auto value = PercentDecode(parts[i], false);
    if (!value) return Match{};  // undecodable parameter: nothing matches
    result.params.emplace_back(best->segments[i].text, std::move(*value));
  }
  result.kind = Match::Kind::kFound;
  result.handler = &best->handler;
  result.pattern = best->pattern;
  return result;
}

}  // namespace authd::net
