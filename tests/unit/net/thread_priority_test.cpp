// The I/O threads' short time slice: granted where the kernel has EEVDF custom slices, and never
// at the cost of the thread's policy or nice value. Their CPUs: one each, or none pinned.
#include "net/thread_priority.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

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

TEST(ThreadPriorityTest, PinnedCpusAreTheFirstAllowedOnesOneEach) {
  EXPECT_EQ(PlanPinnedCpus(2, {0, 1, 2, 3}), (std::vector<int>{0, 1}));
  EXPECT_EQ(PlanPinnedCpus(2, {0, 1}), (std::vector<int>{0, 1}));
  // A cpuset of a container: its own CPU numbers, not 0 and 1.
  EXPECT_EQ(PlanPinnedCpus(3, {4, 6, 9, 12}), (std::vector<int>{4, 6, 9}));
}

TEST(ThreadPriorityTest, NothingIsPinnedWhenThreadsWouldShareACpuOrAreAlone) {
  EXPECT_TRUE(PlanPinnedCpus(3, {0, 1}).empty()) << "two threads on one CPU take turns";
  EXPECT_TRUE(PlanPinnedCpus(1, {0, 1}).empty()) << "one thread has no one to be kept apart from";
  EXPECT_TRUE(PlanPinnedCpus(2, {}).empty()) << "the kernel could not tell";
}

TEST(ThreadPriorityTest, PinToCpuLeavesTheThreadOneCpu) {
  const auto allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  std::thread t([&] {
    ASSERT_TRUE(PinToCpu(allowed.back()));
    EXPECT_EQ(AllowedCpus(), std::vector<int>{allowed.back()});
    EXPECT_EQ(sched_getcpu(), allowed.back());
  });
  t.join();
  EXPECT_EQ(AllowedCpus(), allowed) << "only the pinned thread changed";
}

TEST(ThreadPriorityTest, PinToCpuRefusesACpuOutsideTheAllowedSet) {
  const auto allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  ASSERT_LT(allowed.back(), CPU_SETSIZE - 1);
  std::thread t([&] {
    EXPECT_FALSE(PinToCpu(CPU_SETSIZE - 1));
    EXPECT_FALSE(PinToCpu(-1));
    EXPECT_FALSE(PinToCpu(CPU_SETSIZE));
    EXPECT_EQ(AllowedCpus(), allowed) << "a refused pin changes nothing";
  });
  t.join();
}

}  // namespace
}  // namespace authd::net
