#include "net/body.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>
#include <boost/json/value.hpp>

#include "net/errors.hpp"

namespace authd::net {
namespace {

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) noexcept {
  auto semi = content_type.find(';');
  if (!IEquals(Trim(content_type.substr(0, semi)), kJsonContentType)) return false;
  if (semi == std::string_view::npos) return true;
  auto param = Trim(content_type.substr(semi + 1));
  if (param.empty()) return true;  // "application/json;" is tolerated
  auto eq = param.find('=');
  if (eq == std::string_view::npos) return false;
  if (!IEquals(Trim(param.substr(0, eq)), "charset")) return false;
  auto value = Trim(param.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return IEquals(value, "utf-8");
}

Result<boost::json::object> ParseJsonBody(const Request& request) {
  auto content_type = request.Header("Content-Type");
  if (!content_type || !IsJsonContentType(*content_type)) return Errc::kUnsupportedMediaType;
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec, {}, options);
  if (ec || !value.is_object()) return Errc::kMalformedJson;
  return std::move(value.as_object());
}

}  // namespace authd::net
