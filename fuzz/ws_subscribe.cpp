// Fuzzes what the WebSocket feeds parse from a client before switching protocols (docs/FEEDS.md):
// the query of WS /v1/audit/stream (`after=`), and the headers the upgrade is admitted on
// (Authorization, the __Host-authd_at cookie, Origin, Upgrade, Connection), through the real
// handlers (fuzz/api_harness.hpp); plus the request-target helpers of net/url.hpp.
//
// Input: one byte choosing the stream (even: audit, odd: security), the query (up to '\n'), then
// header lines "Name: value" ("$ADMIN" becomes an admin's access token).
// Properties checked besides not crashing:
//   - an upgrade is granted only to a request that IsWebSocketUpgrade, and on the audit stream
//     only when `after` (if given) is a decimal number up to INT64_MAX;
//   - ParseQuery gives back the same pairs from their %XX re-encoding, and PercentDecode
//     inverts %XX-encoding of any bytes;
//   - SplitTarget cuts at the first '?'.
// What a client sends after the upgrade is read and dropped by Beast (net/ws_session.cpp): not
// fuzzed here.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz/api_harness.hpp"
#include "net/url.hpp"
#include "net/ws_session.hpp"

namespace {

using authd::net::Request;

std::string PercentEncodeAll(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    out.push_back('%');
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

void CheckUrlHelpers(std::string_view query) {
  const auto pairs = authd::net::ParseQuery(query);
  std::string again;
  for (const auto& [name, value] : pairs) {
    if (name.empty()) std::abort();
    if (!again.empty()) again.push_back('&');
    again += PercentEncodeAll(name) + "=" + PercentEncodeAll(value);
  }
  if (authd::net::ParseQuery(again) != pairs) std::abort();
  auto decoded = authd::net::PercentDecode(PercentEncodeAll(query), false);
  if (!decoded || *decoded != query) std::abort();

  const std::string target = "/v1/audit/stream?" + std::string(query);
  const auto split = authd::net::SplitTarget(target);
  if (split.path != "/v1/audit/stream" || split.query != query) std::abort();
}

// Decimal digits (leading zeros allowed) of a number up to INT64_MAX.
bool ValidAfter(std::string_view raw) {
  if (raw.empty()) return false;
  while (raw.size() > 1 && raw.front() == '0')
    raw.remove_prefix(1);
  if (raw.size() > 19) return false;
  std::uint64_t n = 0;
  for (char c : raw) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  auto& api = authd::fuzz::ApiHarness::Get();
  const bool audit = (data[0] & 1) == 0;
  const std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool uses_admin = raw.find(authd::fuzz::kAdminPlaceholder) != std::string_view::npos;
  const std::string input = api.WithAdminToken(raw);
  std::string_view rest = input;
  const auto nl = rest.find('\n');
  const std::string_view query = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  CheckUrlHelpers(query);

  Request request;
  request.method = "GET";
  request.target = std::string(audit ? "/v1/audit/stream" : "/v1/security/stream");
  request.path = request.target;
  if (!query.empty()) request.target += "?" + std::string(query);
  request.query = authd::net::ParseQuery(query);
  request.headers.emplace_back("Host", "authd.test");
  while (!rest.empty()) {
    const auto end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ')
      value.remove_prefix(1);
    request.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  request.client_address = std::string(authd::fuzz::kClientAddress);
  request.request_id = api.Ids().Next("req");

  const auto served = api.Serve(request);
  if (served.upgraded) {
    if (!authd::net::IsWebSocketUpgrade(request)) std::abort();
    if (audit) {
      auto after = request.Query("after");
      if (after && !ValidAfter(*after)) std::abort();
    }
  }
  if (served.response.status == 401 && uses_admin) api.RefreshAdmin();
  return 0;
}
