// Injectable time source. Everything that reads the time takes a Clock& so tests control it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

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

}  // namespace authd::core
