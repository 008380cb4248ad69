// The I/O threads' short time slice: granted where the kernel has EEVDF custom slices, and never
// at the cost of the thread's policy or nice value. Their CPUs: one each, or none pinned.
#include "net/thread_priority.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>
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

TEST(ThreadPriorityTest, IoThreadsArePinnedToTheFirstAllowedCpusOneEach) {
  EXPECT_EQ(PlanIoPinning(2, 2, {0, 1}).cpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(PlanIoPinning(2, 2, {0, 1, 2, 3}).cpus, (std::vector<int>{0, 1}));
  // A container's cpuset: its own CPU numbers, not 0 and 1.
  EXPECT_EQ(PlanIoPinning(3, 1, {4, 6, 9, 12}).cpus, (std::vector<int>{4, 6, 9}));
}

TEST(ThreadPriorityTest, NothingIsPinnedWhereItCannotHelp) {
  const auto none = [](std::size_t io, std::size_t hash, const std::vector<int>& allowed) {
    const auto plan = PlanIoPinning(io, hash, allowed);
    EXPECT_TRUE(plan.cpus.empty()) << io << " I/O threads, " << hash << " hashing threads";
    EXPECT_FALSE(plan.why_not.empty());
    return plan.why_not;
  };
  EXPECT_EQ(none(3, 2, {0, 1}), "more I/O threads than CPUs") << "two on one CPU take turns";
  EXPECT_EQ(none(1, 2, {0, 1}), "one I/O thread") << "it has no one to be kept apart from";
  EXPECT_EQ(none(2, 2, {}), "the CPU affinity cannot be read");
  // Hashing cannot keep 8 CPUs busy with 2 threads: the kernel finds idle CPUs by itself, and
  // pinning would crowd CPUs 0 and 1 with every server on the host.
  EXPECT_EQ(none(2, 2, {0, 1, 2, 3, 4, 5, 6, 7}), "more CPUs than I/O and hashing threads");
}

TEST(ThreadPriorityTest, PinToCpuLeavesTheThreadOneCpu) {
  const auto allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  std::thread t([&] {
    ASSERT_FALSE(PinToCpu(allowed.back()));
    EXPECT_EQ(AllowedCpus(), std::vector<int>{allowed.back()});
    EXPECT_EQ(sched_getcpu(), allowed.back());
  });
  t.join();
  EXPECT_EQ(AllowedCpus(), allowed) << "only the pinned thread changed";
}

TEST(ThreadPriorityTest, PinToCpuRefusesACpuThatIsNotThere) {
  const auto allowed = AllowedCpus();
  ASSERT_FALSE(allowed.empty());
  ASSERT_LT(allowed.back(), CPU_SETSIZE - 1);
  std::thread t([&] {
    EXPECT_TRUE(PinToCpu(CPU_SETSIZE - 1)) << "no such CPU here";
    EXPECT_TRUE(PinToCpu(-1));
    EXPECT_TRUE(PinToCpu(1 << 20));
    EXPECT_EQ(AllowedCpus(), allowed) << "a refused pin changes nothing";
  });
  t.join();
}

}  // namespace
}  // namespace authd::net
