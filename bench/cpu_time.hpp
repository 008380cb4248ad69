// Clocks for the "where does the time go" counters: wall time, the whole process's CPU time and
// one thread's CPU time. All thread-safe.
#pragma once

#include <time.h>

#include <string>

namespace authd::bench {

// Monotonic wall-clock seconds.
[[nodiscard]] double WallSeconds();
// User + system CPU seconds of every thread of this process (RocksDB's own threads included).
[[nodiscard]] double ProcessCpuSeconds();
// The calling thread's CPU clock, for ThreadCpuSeconds from any thread; false if unavailable.
[[nodiscard]] bool CurrentThreadCpuClock(clockid_t& clock);
// CPU seconds of the thread whose clock this is (-1 on error, e.g. the thread has exited).
[[nodiscard]] double ThreadCpuSeconds(clockid_t clock);
// The 1, 5 and 15 minute load averages from /proc/loadavg ("?" when unreadable).
[[nodiscard]] std::string LoadAverage();

}  // namespace authd::bench
