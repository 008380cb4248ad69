#include "net/thread_priority.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <latch>
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

std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

std::vector<int> PlanPinnedCpus(std::size_t threads, const std::vector<int>& allowed) {
  if (threads < 2 || threads > allowed.size()) return {};
  // The first ones rather than spread out: where Linux numbers hyperthreads, the siblings of
  // CPUs 0..n-1 are usually n and up, so neighbours are distinct cores.
  return {allowed.begin(), allowed.begin() + static_cast<std::ptrdiff_t>(threads)};
}

bool PinToCpu(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

}  // namespace authd::net
