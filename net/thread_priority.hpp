// Scheduling priority of worker pools. argon2id saturates every core it gets; running the hashing
// pool at a lower priority (a higher nice value) lets the kernel run I/O threads first whenever
// they have work, so cheap requests keep their latency during a login flood, while hashing still
// gets every cycle nobody else wants.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>

namespace authd::net {

// Lowers the priority of each of the pool's `threads` threads (Linux, per thread): nice 0-19, or
// kIdlePriority for SCHED_IDLE, under which a thread runs only when no normal thread wants the
// CPU and is preempted at once when one wakes up. Lowering needs no privilege. Blocks until every
// thread has done it; call right after creating the pool, before it has other work. Returns
// false if the kernel refused.
inline constexpr int kIdlePriority = 20;
bool SetPoolNice(boost::asio::thread_pool& pool, std::size_t threads, int nice);

}  // namespace authd::net
