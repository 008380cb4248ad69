#include "net/thread_priority.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <latch>

namespace authd::net {

bool SetPoolNice(boost::asio::thread_pool& pool, std::size_t threads, int nice) {
  // Every job waits until all have started, so no thread can take two of them: each of the
  // `threads` threads runs exactly one.
  std::latch all_started(static_cast<std::ptrdiff_t>(threads));
  std::latch all_done(static_cast<std::ptrdiff_t>(threads));
  std::atomic<bool> ok{true};
  for (std::size_t i = 0; i < threads; ++i) {
    boost::asio::post(pool, [&] {
      all_started.arrive_and_wait();
      // On Linux PRIO_PROCESS with a thread id sets that thread's nice value alone.
      if (nice == kIdlePriority) {
        sched_param param{};
        if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) != 0) ok = false;
      } else if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice) != 0) {
        ok = false;
      }
      all_done.count_down();
    });
  }
  all_done.wait();
  return ok;
}

}  // namespace authd::net
