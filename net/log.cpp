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
  line["msg"] = msg;
  for (const auto& [key, value] : fields) {
    if (key == "ts" || key == "level" || key == "msg") continue;
    if (IsSensitiveKey(key)) {
      line.emplace(key, "[redacted]");
    } else {
      line.emplace(key, value);
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
