// The I/O threads' short time slice: granted where the kernel has EEVDF custom slices, and never
// at the cost of the thread's policy or nice value.
#include "net/thread_priority.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <thread>

namespace authd::net {
namespace {

struct Attr {
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

Attr ThisThread() {
  Attr a{};
  a.size = sizeof a;
  EXPECT_EQ(syscall(SYS_sched_getattr, 0, &a, sizeof a, 0), 0);
  return a;
}

// Custom slices for normal threads came with Linux 6.12.
bool KernelHasCustomSlices() {
  utsname u{};
  if (uname(&u) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 12);
}

TEST(ThreadPriorityTest, ShortSliceKeepsPolicyAndNice) {
  std::thread t([] {
    ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 3), 0);
    EXPECT_TRUE(AskForShortSlice());
    const Attr after = ThisThread();
    EXPECT_EQ(after.sched_policy, static_cast<std::uint32_t>(SCHED_OTHER));
    EXPECT_EQ(after.sched_nice, 3);
    if (KernelHasCustomSlices()) {
      EXPECT_EQ(after.sched_runtime, 100'000U) << "the slice in nanoseconds";
    }
  });
  t.join();
}

TEST(ThreadPriorityTest, ShortSliceLeavesOtherPoliciesAlone) {
  std::thread t([] {
    sched_param none{};
    ASSERT_EQ(pthread_setschedparam(pthread_self(), SCHED_BATCH, &none), 0);
    EXPECT_TRUE(AskForShortSlice());
    EXPECT_EQ(ThisThread().sched_policy, static_cast<std::uint32_t>(SCHED_BATCH));
  });
  t.join();
}

}  // namespace
}  // namespace authd::net
