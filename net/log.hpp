// Minimal structured logger: one JSON object per line on stderr (or a test sink).
//
//   {"ts":"2026-01-01T00:00:00.000000Z","level":"info","msg":"request","status":200,...}
//
// Escaping is done by boost::json, so a newline or quote in a field cannot forge a log line; C0
// controls (ESC included) are written as \u00XX; invalid UTF-8, DEL and C1 controls in keys and
// string values (nested ones too) become U+FFFD, so every line is one valid JSON object that is
// safe to print on a terminal.
// Keys "ts", "level" and "msg" are reserved: a field with one of those names is dropped.
// Fields whose key contains "password", "secret", "token", "authorization" or "cookie"
// (case-insensitive) are written as "[redacted]": defence in depth, callers still must never
// pass request bodies, Authorization headers or credentials.
//
// Thread-safety: every function here may be called from any thread; a line is written with a
// single write under a mutex, so lines never interleave.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace authd::net {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Lines below the level are dropped. Default: kInfo.
void SetLogLevel(LogLevel level) noexcept;
[[nodiscard]] LogLevel GetLogLevel() noexcept;

// Receives each finished line without its trailing newline. An empty sink restores stderr.
// Intended for tests; the sink is called under the logger's mutex, so it must not log.
using LogSink = std::function<void(std::string_view line)>;
void SetLogSink(LogSink sink);

void Log(LogLevel level, std::string_view msg, const boost::json::object& fields = {});

// For a caller that batches lines (the access log, with AppendLogLine below): writes a run of
// lines, each ending in '\n', in one write (or to the sink, one line at a time).
void WriteLogLines(std::string_view lines);

// A field of AppendLogLine: a string or a number, borrowed for the call.
struct LogField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double> value;
};
// Appends to `out` the line Log would write for these fields, and its '\n'; false (and nothing
// appended) when `level` is below the current level. The same rules apply (reserved keys dropped,
// sensitive ones redacted, text cleaned), but nothing is copied into a json::object first: this
// is the access log's path, taken once per request.
bool AppendLogLine(std::string& out, LogLevel level, std::string_view msg,
                   std::initializer_list<LogField> fields);
inline void LogDebug(std::string_view msg, const boost::json::object& fields = {}) {
  Log(LogLevel::kDebug, msg, fields);
}
inline void LogInfo(std::string_view msg, const boost::json::object& fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(std::string_view msg, const boost::json::object& fields = {}) {
  Log(LogLevel::kWarn, msg, fields);
}
inline void LogError(std::string_view msg, const boost::json::object& fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

}  // namespace authd::net
