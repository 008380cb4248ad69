#include "net/thread_priority.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <latch>
#include <system_error>
#include <vector>

namespace authd::net {

bool OnEachThread(boost::asio::thread_pool& pool, std::size_t threads,
                  const std::function<bool()>& job) {
  // Every job waits until all have started, so no thread can take two of them: each of the
  // `threads` threads runs exactly one.
  std::latch all_started(static_cast<std::ptrdiff_t>(threads));
  std::latch all_done(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> ok{true};
  for (std::size_t i = 0; i < threads; ++i) {
    boost::asio::post(pool, [&] {
      all_started.arrive_and_wait();
      if (!job()) ok = false;
      all_done.count_down();
    });
  }
  all_done.wait();
  return ok;
}

bool SetPoolNice(boost::asio::thread_pool& pool, std::size_t threads, int nice) {
  return OnEachThread(pool, threads, [nice] {
    // On Linux PRIO_PROCESS with a thread id sets that thread's nice value alone.
    if (nice == kIdlePriority) {
      sched_param param{};
      return pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
    }
    return setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) == 0;
  });
}

namespace {

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h). glibc 2.36 has no wrapper,
// and the kernel header clashes with glibc's sched_param.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
  std::uint32_t sched_util_min;
  std::uint32_t sched_util_max;
};

constexpr std::uint64_t kShortSliceNanos = 100'000;  // the shortest slice the kernel allows

// The calling thread's attributes, or nullopt if the kernel cannot tell.
std::optional<SchedAttr> ReadAttr() {
  SchedAttr attr{};
  attr.size = sizeof attr;
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return std::nullopt;
  return attr;
}

}  // namespace

bool AskForShortSlice() {
  auto read = ReadAttr();
  if (!read) return false;
  SchedAttr attr = *read;
  if (attr.sched_policy != SCHED_OTHER) return true;  // someone chose another policy: keep it
  attr.size = sizeof attr;
  attr.sched_runtime = kShortSliceNanos;
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

std::optional<ThreadSchedule> CurrentSchedule() {
  const auto attr = ReadAttr();
  if (!attr) return std::nullopt;
  return ThreadSchedule{static_cast<int>(attr->sched_policy), attr->sched_nice,
                        attr->sched_runtime};
}

namespace {

// A CPU mask of any size: a fixed cpu_set_t holds 1,024 CPUs, and the kernel refuses it where it
// was built for more.
struct CpuMask {
  explicit CpuMask(int cpus) : set(CPU_ALLOC(cpus)), bytes(CPU_ALLOC_SIZE(cpus)) {
    if (set) CPU_ZERO_S(bytes, set);
  }
  CpuMask(const CpuMask&) = delete;
  CpuMask& operator=(const CpuMask&) = delete;
  ~CpuMask() {
    if (set) CPU_FREE(set);
  }
  cpu_set_t* set;
  std::size_t bytes;
};

constexpr int kMaxCpus = 1 << 16;

}  // namespace

std::vector<int> AllowedCpus() {
  for (int size = CPU_SETSIZE; size <= kMaxCpus; size *= 2) {
    CpuMask mask(size);
    if (!mask.set) return {};
    if (sched_getaffinity(0, mask.bytes, mask.set) == 0) {
      std::vector<int> cpus;
      for (int cpu = 0; cpu < size; ++cpu) {
        if (CPU_ISSET_S(cpu, mask.bytes, mask.set)) cpus.push_back(cpu);
      }
      return cpus;
    }
    if (errno != EINVAL) return {};  // EINVAL: the kernel's mask is larger than this one
  }
  return {};
}

IoPinning PlanIoPinning(std::size_t io_threads, std::size_t hash_threads,
                        const std::vector<int>& allowed) {
  if (allowed.empty()) return {.cpus = {}, .why_not = "the CPU affinity cannot be read"};
  if (io_threads < 2) return {.cpus = {}, .why_not = "one I/O thread"};
  if (io_threads > allowed.size()) return {.cpus = {}, .why_not = "more I/O threads than CPUs"};
  if (allowed.size() > io_threads + hash_threads) {
    return {.cpus = {}, .why_not = "more CPUs than I/O and hashing threads"};
  }
  // The first ones rather than spread out: where Linux numbers hyperthreads, the siblings of
  // CPUs 0..n-1 are usually n and up, so neighbours are distinct cores.
  return {.cpus = {allowed.begin(), allowed.begin() + static_cast<std::ptrdiff_t>(io_threads)},
          .why_not = {}};
}

std::error_code PinToCpu(int cpu) {
  if (cpu < 0 || cpu >= kMaxCpus) return std::make_error_code(std::errc::invalid_argument);
  CpuMask mask(cpu + 1);
  if (!mask.set) return std::make_error_code(std::errc::not_enough_memory);
  CPU_SET_S(cpu, mask.bytes, mask.set);
  if (sched_setaffinity(0, mask.bytes, mask.set) != 0) return {errno, std::generic_category()};
  return {};
}

}  // namespace authd::net
