// A stand-in for the CPU a server spends beside argon2id, for bench/login_gap.sh --side-load: T
// threads that wake up R times a second in all, each time reading and writing a 512 KiB buffer at
// random for U microseconds, for S seconds. Beside the raw argon2id loop it shows what taking that
// much CPU, in that many wake-ups, costs the loop on these cores, whoever takes it
// (docs/BENCHMARKS.md, "Eighth look"). Prints the CPU seconds it used.
//
//   cpu_load --rate R --work-us U --seconds S [--threads T]   (T = 3)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  double rate = 0;
  double work_us = 0;
  double seconds = 0;
  int threads = 3;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const double v = std::strtod(argv[i + 1], nullptr);
    if (flag == "--rate") {
      o.rate = v;
    } else if (flag == "--work-us") {
      o.work_us = v;
    } else if (flag == "--seconds") {
      o.seconds = v;
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(v);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && o.rate > 0 && o.work_us > 0 && o.seconds > 0 && o.threads > 0;
}

// One thread's share of the wake-ups. The buffer stands for the rows, requests and buffers a
// server touches: more than the core's L1 cache, so each wake-up also evicts some of the hash's.
void Run(const Options& o, unsigned seed) {
  std::vector<unsigned> buffer(512 * 1024 / sizeof(unsigned), 1);
  std::minstd_rand random(seed);
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.threads / o.rate));
  const auto work = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::micro>(o.work_us));
  auto next = Clock::now();
  const auto end =
      next + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  unsigned sum = 0;
  while (next < end) {
    next += period;
    std::this_thread::sleep_until(next);
    const auto stop = Clock::now() + work;
    while (Clock::now() < stop) {
      for (int i = 0; i < 64; ++i) {
        auto& cell = buffer[random() % buffer.size()];
        sum += cell;
        cell = sum;
      }
    }
  }
  // Keeps the loop from being optimized away.
  if (sum == 1) std::fputs("", stderr);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) {
    std::fprintf(stderr, "usage: cpu_load --rate R --work-us U --seconds S [--threads T]\n");
    return 2;
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t)
    threads.emplace_back([&o, t] { Run(o, static_cast<unsigned>(t) + 1); });
  for (auto& t : threads)
    t.join();
  timespec cpu{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
  std::printf("%.2f\n", static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) / 1e9);
  return 0;
}
