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

// The tests change their own thread's schedule, which needs a normal thread at nice <= 3 and a
// kernel (or sandbox) that lets a thread read its sched_attr. A CI runner under `nice -n 10` or
// a seccomp filter has neither: there is nothing to check then.
bool ScheduleIsOurs() {
  const auto now = CurrentSchedule();
  return now && now->policy == SCHED_OTHER && now->nice <= 3;
}

TEST(ThreadPriorityTest, ShortSliceKeepsPolicyAndNice) {
  if (!ScheduleIsOurs()) GTEST_SKIP() << "this thread's schedule cannot be read or lowered to 3";
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
  if (!ScheduleIsOurs()) GTEST_SKIP() << "this thread's schedule cannot be read";
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
