// The I/O threads' short time slice: granted where the kernel has EEVDF custom slices, and never
// at the cost of the thread's policy or nice value.
#include "net/thread_priority.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <thread>

namespace authd::net {
namespace {

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
    const auto after = CurrentSchedule();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->policy, SCHED_OTHER);
    EXPECT_EQ(after->nice, 3);
    if (KernelHasCustomSlices()) {
      EXPECT_EQ(after->slice_nanos, 100'000U);
    }
  });
  t.join();
}

TEST(ThreadPriorityTest, ShortSliceLeavesOtherPoliciesAlone) {
  std::thread t([] {
    sched_param none{};
    ASSERT_EQ(pthread_setschedparam(pthread_self(), SCHED_BATCH, &none), 0);
    EXPECT_TRUE(AskForShortSlice());
    const auto after = CurrentSchedule();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->policy, SCHED_BATCH);
  });
  t.join();
}

}  // namespace
}  // namespace authd::net
