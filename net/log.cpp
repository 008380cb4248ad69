#include "net/log.hpp"

#include <array>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

#include "core/clock.hpp"
#include "core/utf8.hpp"

namespace authd::net {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};

std::mutex& SinkMutex() {
  static std::mutex m;
  return m;
}

LogSink& Sink() {
  static LogSink sink;
  return sink;
}

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

bool IsSensitiveKey(std::string_view key) {
  std::string lowered(key);
  for (auto& c : lowered)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  constexpr std::array<std::string_view, 5> kSensitive = {"password", "secret", "token",
                                                          "authorization", "cookie"};
  for (auto word : kSensitive) {
    if (lowered.find(word) != std::string::npos) return true;
  }
  return false;
}

// Boost.JSON escapes quotes, backslashes and C0 controls (so "\n" or ESC cannot split or colour a
// line) but copies every other byte as it is: invalid UTF-8 would make the line invalid JSON, and
// DEL or a C1 control (U+009B is CSI on some terminals) would reach whoever tails the log. Those
// become U+FFFD.
std::string CleanText(std::string_view text) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    auto cp = core::DecodeCodePoint(text, pos);
    if (!cp) {
      out += kReplacement;
      ++pos;
      continue;
    }
    if (*cp >= 0x7F && core::IsControlCodePoint(*cp)) {
      out += kReplacement;
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

bool NeedsCleaning(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x7F) return true;
  }
  return false;
}

void Clean(boost::json::value& value) {
  if (value.is_string()) {
    const std::string_view text = value.as_string();
    if (NeedsCleaning(text)) value = CleanText(text);
  } else if (value.is_array()) {
    for (auto& item : value.as_array())
      Clean(item);
  } else if (value.is_object()) {
    for (auto& item : value.as_object())
      Clean(item.value());
  }
}

}  // namespace

void SetLogLevel(LogLevel level) noexcept {
  g_level.store(level);
}
LogLevel GetLogLevel() noexcept {
  return g_level.load();
}

void SetLogSink(LogSink sink) {
  std::lock_guard lock(SinkMutex());
  Sink() = std::move(sink);
}

void Log(LogLevel level, std::string_view msg, const boost::json::object& fields) {
  if (static_cast<int>(level) < static_cast<int>(g_level.load())) return;
  boost::json::object line;
  line.reserve(fields.size() + 3);
  line["ts"] = core::FormatRfc3339(core::SystemClock().NowMicros());
  line["level"] = LevelName(level);
  line["msg"] = NeedsCleaning(msg) ? CleanText(msg) : std::string(msg);
  for (const auto& [key, value] : fields) {
    if (key == "ts" || key == "level" || key == "msg") continue;
    if (IsSensitiveKey(key)) {
      line.emplace(key, "[redacted]");
    } else {
      Clean(line.emplace(NeedsCleaning(key) ? CleanText(key) : std::string(key), value)
                .first->value());
    }
  }
  std::string text = boost::json::serialize(line);
  std::lock_guard lock(SinkMutex());
  if (Sink()) {
    Sink()(text);
    return;
  }
  text.push_back('\n');
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace authd::net
