// The v1 API in-process for fuzz targets: a scratch data folder opened as `authd serve` opens it
// (app/data_dir.hpp), the real router, handlers and services, and an io_context driven by the
// caller instead of sockets. One per process (Get()); the folder is removed at exit.
//
// Oracles besides the sanitizers: a handler that throws, or anything logged at error level while
// a request is served (a 500 `internal`, a response header dropped as unsafe, an invalid status),
// aborts the process with the request, since client input must never cause either.
//
// Not thread-safe: libFuzzer calls the target from one thread.
#pragma once

#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "net/http_types.hpp"

namespace authd::fuzz {

// Replaced in fuzz inputs by a live access token of an admin, so seeds can get past
// authentication: "Authorization: Bearer $ADMIN".
inline constexpr std::string_view kAdminPlaceholder = "$ADMIN";

// The client address every request comes from.
inline constexpr std::string_view kClientAddress = "203.0.113.9";

// The Origin allowed to open the WebSocket feeds with the session cookie.
inline constexpr std::string_view kAllowedOrigin = "https://dash.example";

class ApiHarness {
 public:
  static ApiHarness& Get();

  struct Served {
    net::Response response;
    bool upgraded = false;  // the handler took the connection over (WebSocket 101)
  };
  // Routes and runs `request` as net/connection.cpp does (404, 405 + Allow, the handler); runs
  // the io_context until the handler has finished. The upgrade itself is not run (no socket).
  [[nodiscard]] virtual Served Serve(net::Request& request) = 0;

  // `text` with every kAdminPlaceholder replaced by the admin's current token.
  [[nodiscard]] virtual std::string WithAdminToken(std::string_view text) = 0;

  // Makes sure the admin token still works (an input may have logged it out or deleted the
  // admin); signs in again, or creates a new admin, when it does not.
  virtual void RefreshAdmin() = 0;

  // The server's request ids (for requests that send none).
  [[nodiscard]] virtual core::IdGenerator& Ids() = 0;

 protected:
  ApiHarness() = default;
  ~ApiHarness() = default;
};

}  // namespace authd::fuzz
