// Scheduling of the I/O threads and the hashing pool. argon2id saturates every core it gets, and
// cheap requests must keep their latency during a login flood. `authd serve` runs the hashing pool
// at nice 19 by default (`--hash-nice`, SetPoolNice), so any other thread of the server that wakes
// up takes a core from hashing at once; nice orders threads within the server's scheduling group
// (its cgroup or session autogroup), not against other services. The I/O threads also ask for a
// short time slice (AskForShortSlice) and, where hashing can keep every CPU busy, are pinned one
// to a CPU (PlanIoPinning, PinToCpu).
// Measurements in docs/BENCHMARKS.md.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

namespace authd::net {

// Runs job() once on each of the pool's `threads` threads and blocks until all have run it; call
// right after creating the pool, before it has other work. True if every job returned true.
bool OnEachThread(boost::asio::thread_pool& pool, std::size_t threads,
                  const std::function<bool()>& job);

// Lowers the priority of each of the pool's `threads` threads (Linux, per thread): nice 0-19, or
// kIdlePriority for SCHED_IDLE, under which a thread runs only when no normal thread wants the
// CPU and is preempted at once when one wakes up. Lowering needs no privilege. Blocks until every
// thread has done it; call right after creating the pool, before it has other work. Returns
// false if the kernel refused.
inline constexpr int kIdlePriority = 20;
bool SetPoolNice(boost::asio::thread_pool& pool, std::size_t threads, int nice);

// Asks the kernel for a short time slice (100 us) for the calling thread, keeping its policy and
// nice value. Under Linux's EEVDF scheduler (6.12 and later) a thread that wakes up with a
// shorter slice than the running one preempts it at once: an I/O thread woken by a request then
// takes a core from argon2id without waiting for the hash's slice to end. Older kernels accept
// the request and ignore it. Needs no privilege. Returns false if the kernel refused.
bool AskForShortSlice();

// The calling thread's policy (SCHED_OTHER...), nice value and requested slice (0: the default),
// or nullopt if the kernel cannot tell.
struct ThreadSchedule {
  int policy = 0;
  int nice = 0;
  std::uint64_t slice_nanos = 0;
};
std::optional<ThreadSchedule> CurrentSchedule();

// The CPUs the calling thread may run on (its affinity), in increasing order; empty if the
// kernel cannot tell.
std::vector<int> AllowedCpus();

// Where to pin the I/O threads: the CPU of each, one each, or none with the reason.
// Why pin: while hashing threads at nice 19 keep every CPU busy, the kernel sees no idle CPU to
// wake an I/O thread on and often wakes it beside the other one, where the two take turns while
// argon2id has the other CPU (docs/BENCHMARKS.md, "Eleventh look"). So the plan pins only where
// that can happen: at least two I/O threads, and no more allowed CPUs than I/O and hashing
// threads together. With more, hashing leaves CPUs idle and the kernel keeps the I/O threads
// apart by itself, while pinning would crowd the first CPUs of a big host with every server on
// it. Never more I/O threads than allowed CPUs: two pinned to one would take turns for certain.
struct IoPinning {
  std::vector<int> cpus;     // empty: pin none
  std::string_view why_not;  // when empty
};
IoPinning PlanIoPinning(std::size_t io_threads, std::size_t hash_threads,
                        const std::vector<int>& allowed);

// Pins the calling thread to `cpu`. Needs no privilege. Fails for a CPU outside the process's
// cpuset or not online. The pin holds until something changes it: a later cpuset change, the CPU
// going offline or `taskset` can undo it.
// WARNING: threads that the pinned thread creates inherit its one CPU.
std::error_code PinToCpu(int cpu);

}  // namespace authd::net
