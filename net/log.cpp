#include "net/log.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/json/serializer.hpp>
#include <cctype>
#include <cerrno>
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

bool NeedsCleaning(const boost::json::value& value) {
  if (value.is_string()) return NeedsCleaning(std::string_view(value.get_string()));
  if (value.is_array()) {
    for (const auto& item : value.get_array())
      if (NeedsCleaning(item)) return true;
  } else if (value.is_object()) {
    for (const auto& item : value.get_object())
      if (NeedsCleaning(std::string_view(item.key())) || NeedsCleaning(item.value())) return true;
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
    boost::json::object cleaned;
    for (auto& item : value.as_object()) {
      Clean(item.value());
      const std::string_view key = item.key();
      cleaned[NeedsCleaning(key) ? CleanText(key) : std::string(key)] = std::move(item.value());
    }
    value = std::move(cleaned);
  }
}

// Appends the JSON text of a value, or of a string, to `out` without an intermediate string.
void Drain(boost::json::serializer& sr, std::string& out) {
  char buf[512];
  while (!sr.done())
    out.append(sr.read(buf));
}

void Append(std::string& out, const boost::json::value& value) {
  boost::json::serializer sr;
  sr.reset(&value);
  Drain(sr, out);
}

void AppendString(std::string& out, std::string_view text) {
  boost::json::serializer sr;
  sr.reset(text);
  Drain(sr, out);
}

void AppendCleanString(std::string& out, std::string_view text) {
  if (NeedsCleaning(text)) {
    AppendString(out, CleanText(text));
  } else {
    AppendString(out, text);
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

// The line is written field by field, in the caller's order, into one string: most fields need
// no cleaning, so nothing is copied into a second object.
namespace {

bool Enabled(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(g_level.load());
}

void AppendHead(std::string& text, LogLevel level, std::string_view msg) {
  text += R"({"ts":")";
  text += core::FormatRfc3339(core::SystemClock().NowMicros());
  text += R"(","level":")";
  text += LevelName(level);
  text += R"(","msg":)";
  AppendCleanString(text, msg);
}

// Writes `,"key":` and returns false when the key is reserved (nothing written) or sensitive
// (its redacted value written too).
bool AppendKey(std::string& text, std::string_view key) {
  if (key == "ts" || key == "level" || key == "msg") return false;
  text.push_back(',');
  AppendCleanString(text, key);
  text.push_back(':');
  if (!IsSensitiveKey(key)) return true;
  text += R"("[redacted]")";
  return false;
}

// The line Log writes, without its newline ("" when `level` is below the current level).
std::string FormatLogLine(LogLevel level, std::string_view msg, const boost::json::object& fields) {
  if (!Enabled(level)) return {};
  std::string text;
  text.reserve(256);
  AppendHead(text, level, msg);
  for (const auto& [key, value] : fields) {
    if (!AppendKey(text, key)) continue;
    if (NeedsCleaning(value)) {
      boost::json::value cleaned = value;
      Clean(cleaned);
      Append(text, cleaned);
    } else {
      Append(text, value);
    }
  }
  text.push_back('}');
  return text;
}

}  // namespace

bool AppendLogLine(std::string& out, LogLevel level, std::string_view msg,
                   std::initializer_list<LogField> fields) {
  if (!Enabled(level)) return false;
  AppendHead(out, level, msg);
  for (const auto& field : fields) {
    if (!AppendKey(out, field.key)) continue;
    if (const auto* text = std::get_if<std::string_view>(&field.value)) {
      AppendCleanString(out, *text);
    } else if (const auto* integer = std::get_if<std::int64_t>(&field.value)) {
      Append(out, boost::json::value(*integer));
    } else {
      Append(out, boost::json::value(std::get<double>(field.value)));
    }
  }
  out += "}\n";
  return true;
}

void WriteLogLines(std::string_view lines) {
  std::lock_guard lock(SinkMutex());
  if (Sink()) {
    while (!lines.empty()) {
      const auto end = lines.find('\n');
      Sink()(lines.substr(0, end));
      if (end == std::string_view::npos) break;
      lines.remove_prefix(end + 1);
    }
    return;
  }
  // Straight to the descriptor: stderr is unbuffered, so stdio would only add its own lock.
  while (!lines.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, lines.data(), lines.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log
    lines.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Log(LogLevel level, std::string_view msg, const boost::json::object& fields) {
  std::string line = FormatLogLine(level, msg, fields);
  if (line.empty()) return;
  line.push_back('\n');
  WriteLogLines(line);
}

}  // namespace authd::net
