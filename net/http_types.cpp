#include "net/http_types.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace authd::net {
namespace {

char Lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::optional<std::string_view> FindHeader(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (IEquals(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace

bool IEquals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return Lower(x) == Lower(y); });
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

std::optional<std::string_view> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

Response& Response::SetHeader(std::string_view name, std::string_view value) {
  std::erase_if(headers, [&](const auto& h) { return IEquals(h.first, name); });
  headers.emplace_back(std::string(name), std::string(value));
  return *this;
}

Response& Response::AddHeader(std::string_view name, std::string_view value) {
  headers.emplace_back(std::string(name), std::string(value));
  return *this;
}

std::optional<std::string_view> Response::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

Response JsonResponse(unsigned status, const boost::json::value& body) {
  Response res;
  res.status = status;
  res.content_type = kJsonContentType;
  res.body = boost::json::serialize(body);
  return res;
}

Response EmptyResponse(unsigned status) {
  Response res;
  res.status = status;
  return res;
}

Response ProblemResponse(unsigned status, std::string_view code, std::string_view title,
                         std::string_view detail, std::span<const core::FieldError> errors) {
  boost::json::object problem;
  std::string type(kProblemTypeBase);
  type.append(code);
  problem["type"] = type;
  problem["title"] = title;
  problem["status"] = status;
  problem["detail"] = detail;
  problem["code"] = code;
  if (!errors.empty()) {
    boost::json::array list;
    list.reserve(errors.size());
    for (const auto& e : errors) {
      list.push_back(
          boost::json::object{{"field", e.field}, {"code", e.code}, {"message", e.message}});
    }
    problem["errors"] = std::move(list);
  }
  Response res;
  res.status = status;
  res.content_type = kProblemContentType;
  res.body = boost::json::serialize(problem);
  return res;
}

std::string_view ReasonPhrase(unsigned status) noexcept {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

bool IsValidRequestId(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace authd::net
