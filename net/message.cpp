#include "net/message.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/object.hpp>
#include <cstdio>
#include <ctime>

#include "net/errors.hpp"
#include "net/log.hpp"
#include "net/problems.hpp"
#include "net/url.hpp"

namespace authd::net::detail {
namespace http = boost::beast::http;

namespace {

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters.
bool IsToken(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// No CR, LF, NUL or other control characters except HTAB: nothing that could split a message.
bool IsSafeValue(std::string_view s) noexcept {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7F) return false;
  }
  return true;
}

// Fields only the server decides.
bool IsServerOwned(std::string_view name) noexcept {
  for (auto owned : {"Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive", "Upgrade",
                     "Date", "X-Request-Id", "Content-Type", "Trailer"}) {
    if (IEquals(name, owned)) return true;
  }
  return false;
}

// Formatted once per second per thread, not once per response.
std::string_view HttpDate() {
  thread_local std::time_t formatted_second = -1;
  thread_local char text[64];
  thread_local std::size_t size = 0;
  const std::time_t now = std::time(nullptr);
  if (now != formatted_second) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    formatted_second = now;
  }
  return {text, size};
}

void SetDefault(BeastResponse& res, std::string_view name, std::string_view value) {
  if (res.find(name) == res.end()) res.set(name, value);
}

}  // namespace

std::string ChooseRequestId(const BeastRequestHeader& header, core::IdGenerator& ids) {
  auto it = header.find("X-Request-Id");
  if (it != header.end() && IsValidRequestId(it->value())) return std::string(it->value());
  return ids.Next("req");
}

bool HasAmbiguousFraming(const BeastRequestHeader& header) {
  auto [first, last] = header.equal_range(http::field::transfer_encoding);
  if (first == last) return false;
  if (std::next(first) != last) return true;
  if (header.find(http::field::content_length) != header.end()) return true;
  return !IEquals(Trim(first->value()), "chunked");
}

bool HasBadHost(const BeastRequestHeader& header) {
  auto count = header.count(http::field::host);
  return count > 1 || (count == 0 && header.version() >= 11);
}

bool ExpectsContinue(const BeastRequestHeader& header) {
  auto it = header.find(http::field::expect);
  return it != header.end() && IEquals(Trim(it->value()), "100-continue");
}

Request ToRequest(BeastRequest&& message, std::string client_address, std::string request_id) {
  Request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  auto [path, query] = SplitTarget(request.target);
  request.path = std::string(path);
  request.query = ParseQuery(query);
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.client_address = std::move(client_address);
  request.request_id = std::move(request_id);
  request.version = message.version();
  return request;
}

BeastResponse ToBeastResponse(Response&& response, const ResponseMeta& meta) {
  if (response.status < 200 || response.status > 599) {
    LogError("handler returned an invalid status",
             {{"status", response.status}, {"request_id", meta.request_id}});
    response = ProblemForError(Errc::kInternal);
  }
  BeastResponse res;
  res.version(meta.version == 10 ? 10 : 11);
  res.result(response.status);
  for (const auto& [name, value] : response.headers) {
    // RFC 9110 section 15.5.22: a 426 names the protocol to upgrade to; nothing else may.
    const bool upgrade_hint = response.status == 426 && IEquals(name, "Upgrade");
    if (!IsToken(name) || !IsSafeValue(value) || (IsServerOwned(name) && !upgrade_hint)) {
      LogError("dropped a response header", {{"header", name}, {"request_id", meta.request_id}});
      continue;
    }
    res.insert(name, value);
  }
  if (!response.content_type.empty()) {
    if (IsSafeValue(response.content_type)) {
      res.set(http::field::content_type, response.content_type);
    } else {
      LogError("dropped an unsafe Content-Type", {{"request_id", meta.request_id}});
    }
  }
  SetDefault(res, "Cache-Control", "no-store");
  SetDefault(res, "X-Content-Type-Options", "nosniff");
  SetDefault(res, "Referrer-Policy", "no-referrer");
  SetDefault(res, "X-Frame-Options", "DENY");
  SetDefault(res, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  // Two years and subdomains: the preload list's minimum. Owned by the server (a handler cannot
  // weaken it): it depends on how the connection arrived, not on the route.
  if (meta.hsts) res.set(http::field::strict_transport_security, kHstsValue);
  res.set("X-Request-Id", meta.request_id);
  res.set(http::field::date, HttpDate());
  res.keep_alive(meta.keep_alive);
  // 204 and 304 carry neither a body nor Content-Length (RFC 9110 8.6).
  if (response.status == 204 || response.status == 304) {
    res.body().clear();
    return res;
  }
  res.body() = std::move(response.body);
  res.prepare_payload();
  if (meta.head) res.body().clear();  // Content-Length stays that of the GET answer
  return res;
}

bool SerializeResponse(BeastResponse& res, std::string& out) {
  http::serializer<false, http::string_body> sr{res};
  boost::beast::error_code ec;
  while (!sr.is_done()) {
    std::size_t taken = 0;
    sr.next(ec, [&](boost::beast::error_code&, const auto& buffers) {
      for (auto b : boost::beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(b.data()), b.size());
        taken += b.size();
      }
    });
    if (ec) return false;
    sr.consume(taken);
  }
  return true;
}

std::string BusyResponseBytes(std::string_view request_id) {
  ResponseMeta meta{11, false, false, request_id};
  BeastResponse res = ToBeastResponse(ProblemForError(Errc::kServerBusy), meta);
  std::string out;
  if (!SerializeResponse(res, out)) out.clear();
  return out;
}

}  // namespace authd::net::detail
