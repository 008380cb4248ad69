// Request-target helpers: split path and query, percent-decode. Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/http_types.hpp"

namespace authd::net {

// Decodes %XX escapes (and '+' as a space when plus_as_space). nullopt on a bad or truncated
// escape. Decoded bytes are not checked for UTF-8: callers validate what they use.
[[nodiscard]] std::optional<std::string> PercentDecode(std::string_view in, bool plus_as_space);

// "a=1&b=&c&a=2" -> {a,1},{b,""},{c,""},{a,2}. Pairs whose name or value does not decode, or
// whose name is empty, are dropped.
[[nodiscard]] QueryParams ParseQuery(std::string_view query);

struct SplitTargetResult {
  std::string_view path;   // up to '?' (or the whole target)
  std::string_view query;  // after '?', empty when none
};
[[nodiscard]] SplitTargetResult SplitTarget(std::string_view target) noexcept;

}  // namespace authd::net
