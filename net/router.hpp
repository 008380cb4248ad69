// Routes requests by method and path pattern to coroutine handlers.
//
// Patterns are absolute paths whose segments are literals or "{name}" parameters:
//   router.Get("/v1/users/{id}/roles", handler);
// A literal segment beats a parameter at the same position, so "/v1/sessions/current" wins over
// "/v1/sessions/{id}" whatever the registration order. Literals compare with the raw
// (percent-encoded) path; parameter values are percent-decoded ('+' stays '+'). A path whose
// parameter does not decode is not matched (404). HEAD falls back to the GET handler (the
// server drops the body). Unknown path: Find gives kNotFound; known path, other method:
// kMethodNotAllowed with the Allow list.
//
// Thread-safety: Add only before the server starts; Find and Routes are const and safe from any
// number of threads once registration is over.
#pragma once

#include <any>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_types.hpp"

namespace authd::net {

// (name, decoded value) of each "{name}" segment, in pattern order.
using PathParams = std::vector<std::pair<std::string, std::string>>;

// The connection handed to a handler that switches protocols (net/upgrade.hpp; includes Beast).
struct UpgradedStream;
// Runs the new protocol on the connection's I/O thread; the connection closes when it returns.
using UpgradeFn = std::function<boost::asio::awaitable<void>(UpgradedStream&)>;

// What a handler gets. Lives in the connection's coroutine frame for the whole handler call.
struct RequestContext {
  Request& request;     // handlers may move the body out
  PathParams params;    // from the matched pattern
  const std::any* app;  // HttpServer's app value (never null while a handler runs)
  // Set by a handler that takes the connection over (WebSocket): the server then sends no
  // response, and runs this instead once the handler has returned. A handler that refuses the
  // upgrade leaves it empty and returns its answer (401, 403...) as usual.
  UpgradeFn upgrade = {};

  // The decoded value of "{name}", or nullopt when the pattern has no such parameter.
  [[nodiscard]] std::optional<std::string_view> Param(std::string_view name) const;

  // The app pointer given to HttpServer as std::any(T*), or nullptr if it holds something else.
  template <class T>
  [[nodiscard]] T* App() const noexcept {
    if (app == nullptr) return nullptr;
    T* const* p = std::any_cast<T*>(app);
    return p != nullptr ? *p : nullptr;
  }
};

// A handler runs on the connection's I/O thread (its io_context). It may co_await anything that
// completes on that executor (timers, net/offload.hpp). An exception escaping it becomes a 500
// `internal` problem and is logged; the message is never sent. WARNING: a lambda handler's captures
// live in the Router (for the server's life); do not capture per-request state by reference.
using Handler = std::function<boost::asio::awaitable<Response>(RequestContext&)>;

struct RouteInfo {
  std::string method;   // "GET"
  std::string pattern;  // "/v1/users/{id}"
  friend bool operator==(const RouteInfo&, const RouteInfo&) = default;
};

class Router final {
 public:
  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Handler* handler = nullptr;  // kFound only; owned by the Router
    std::string_view pattern;          // kFound only, e.g. "/v1/users/{id}"; owned by the Router
    PathParams params;                 // kFound only
    std::string allow;                 // kMethodNotAllowed only, e.g. "DELETE, GET, HEAD"
  };

  // Throws std::invalid_argument (a start-up error) when the pattern is malformed (not starting
  // with '/', empty segment other than the root "/", bad or repeated "{name}"), when the method is
  // not an upper-case token, or when the same method already has a pattern of the same shape.
  void Add(std::string_view method, std::string_view pattern, Handler handler);
  void Get(std::string_view pattern, Handler handler) { Add("GET", pattern, std::move(handler)); }
  void Post(std::string_view pattern, Handler handler) { Add("POST", pattern, std::move(handler)); }
  void Put(std::string_view pattern, Handler handler) { Add("PUT", pattern, std::move(handler)); }
  void Patch(std::string_view pattern, Handler handler) {
    Add("PATCH", pattern, std::move(handler));
  }
  void Delete(std::string_view pattern, Handler handler) {
    Add("DELETE", pattern, std::move(handler));
  }

  // True when exactly this (method, pattern) was added.
  [[nodiscard]] bool Has(std::string_view method, std::string_view pattern) const;

  // Every registered (method, pattern), in registration order (keeps /openapi.json honest).
  [[nodiscard]] std::vector<RouteInfo> Routes() const;

  // `path` is the raw path of the request-target (no query).
  [[nodiscard]] Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  std::vector<Route> routes_;
};

}  // namespace authd::net
