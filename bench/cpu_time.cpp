#include "bench/cpu_time.hpp"

#include <pthread.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>

namespace authd::bench {
namespace {

double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
}

}  // namespace

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ProcessCpuSeconds() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return -1;
  return Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
}

bool CurrentThreadCpuClock(clockid_t& clock) {
  return ::pthread_getcpuclockid(::pthread_self(), &clock) == 0;
}

double ThreadCpuSeconds(clockid_t clock) {
  timespec t{};
  if (::clock_gettime(clock, &t) != 0) return -1;
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  std::string five;
  std::string fifteen;
  if (!(in >> one >> five >> fifteen)) return "?";
  return one + " " + five + " " + fifteen;
}

}  // namespace authd::bench
