// Injectable time source. Everything that reads the time takes a Clock& so tests control it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace authd::core {

// Microseconds since the Unix epoch, UTC.
using Micros = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  [[nodiscard]] virtual Micros NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] Micros NowMicros() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Micros start = 1'767'225'600'000'000) : now_(start) {}  // 2026-01-01
  [[nodiscard]] Micros NowMicros() const override { return now_.load(); }
  void Set(Micros t) { now_.store(t); }
  void Advance(Micros d) { now_.fetch_add(d); }

 private:
  std::atomic<Micros> now_;
};

// RFC 3339 UTC with microseconds, e.g. "2026-01-01T00:00:00.000000Z".
[[nodiscard]] std::string FormatRfc3339(Micros t);

// Parses an RFC 3339 date-time ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00.5+01:00"; 'T' and
// 'Z' in either case). Fractions beyond microseconds are truncated. nullopt when malformed or out
// of range (year 0000, month 13, 25:00, second 61...). A leap second (":60") counts as :59.
[[nodiscard]] std::optional<Micros> ParseRfc3339(std::string_view text);

}  // namespace authd::core
