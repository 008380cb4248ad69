// Scheduling priority of worker pools. argon2id saturates every core it gets; running the hashing
// pool at a lower priority (a higher nice value) lets the kernel run I/O threads first whenever
// they have work, so cheap requests keep their latency during a login flood, while hashing still
// gets every cycle nobody else wants.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <cstddef>

namespace authd::net {

// Sets the nice value of each of the pool's `threads` threads (Linux: per-thread nice).
// Raising a nice value needs no privilege. Blocks until every thread has done it; call right
// after creating the pool, before it has other work. Returns false if the kernel refused.
bool SetPoolNice(boost::asio::thread_pool& pool, std::size_t threads, int nice);

}  // namespace authd::net
