// Fuzzes the HTTP request path: raw bytes -> Beast's request parser with the server's limits ->
// the framing checks, request conversion, router and real handlers (over a scratch data folder,
// fuzz/api_harness.hpp) -> the response conversion and serializer. It follows
// net/connection.cpp's ServeOne, minus the socket: up to kMaxPipelined requests per input, as a
// client pipelining on one connection would send them.
//
// "$ADMIN" in the input becomes an admin's access token, so seeds reach authenticated handlers.
// Oracles: the sanitizers, and those of the harness (a handler that throws, a 500, any error
// logged, e.g. an unsafe response header); every response must serialize.
#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "fuzz/api_harness.hpp"
#include "net/errors.hpp"
#include "net/http_server.hpp"
#include "net/message.hpp"
#include "net/problems.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using authd::fuzz::ApiHarness;

constexpr int kMaxPipelined = 4;

void Render(authd::net::Response&& response, unsigned version, bool keep_alive, bool head,
            const std::string& request_id) {
  auto res = authd::net::detail::ToBeastResponse(std::move(response),
                                                 {version, keep_alive, head, request_id});
  std::ostringstream out;
  out << res;  // the serializer must accept whatever the handlers produced
  if (!out) std::abort();
}

// One request from the front of `rest`; false when the connection would close.
bool ServeOne(ApiHarness& api, std::string_view& rest, bool uses_admin) {
  const authd::net::ServerOptions limits;  // max_header_bytes, max_body_bytes as served
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(limits.max_body_bytes);
  parser.eager(true);
  beast::error_code ec;
  while (!parser.is_done()) {
    if (rest.empty()) {
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return false;  // partial message: closed without an answer
      break;
    }
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec == http::error::need_more) {
      if (rest.empty()) continue;
      ec = {};
      if (used == 0) return false;  // the parser wants more than there is
      continue;
    }
    if (ec) {
      authd::net::Errc answer = authd::net::Errc::kMalformedRequest;
      if (ec == http::error::body_limit) answer = authd::net::Errc::kPayloadTooLarge;
      if (ec == http::error::header_limit) answer = authd::net::Errc::kHeadersTooLarge;
      Render(authd::net::ProblemForError(answer), 11, false, false, api.Ids().Next("req"));
      return false;
    }
  }

  const std::string request_id = authd::net::detail::ChooseRequestId(parser.get(), api.Ids());
  const unsigned version = parser.get().version();
  if (authd::net::detail::HasAmbiguousFraming(parser.get()) ||
      authd::net::detail::HasBadHost(parser.get())) {
    Render(authd::net::ProblemForError(authd::net::Errc::kMalformedRequest), version, false, false,
           request_id);
    return false;
  }
  const bool keep_alive = parser.keep_alive();
  const bool head = parser.get().method() == http::verb::head;
  auto request = authd::net::detail::ToRequest(
      parser.release(), std::string(authd::fuzz::kClientAddress), request_id);
  auto served = api.Serve(request);
  if (served.upgraded) return false;  // the WebSocket would run here (ws_subscribe)
  const bool unauthorized = served.response.status == 401;
  Render(std::move(served.response), version, keep_alive, head, request_id);
  if (unauthorized && uses_admin) api.RefreshAdmin();  // the input may have logged it out
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto& api = ApiHarness::Get();
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const bool uses_admin = raw.find(authd::fuzz::kAdminPlaceholder) != std::string_view::npos;
  const std::string input = api.WithAdminToken(raw);
  std::string_view rest = input;
  for (int i = 0; i < kMaxPipelined && !rest.empty(); ++i) {
    if (!ServeOne(api, rest, uses_admin)) break;
  }
  return 0;
}
