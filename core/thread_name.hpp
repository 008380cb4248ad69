// Names the threads of the server, so that `top -H`, `ps -L`, perf and /proc/PID/task/*/comm say
// which pool a busy thread belongs to (every thread is otherwise called "authd"):
//
//   authd-io      Beast/Asio I/O threads (--io-threads)
//   authd-hash    argon2id pool (--hash-threads)
//   authd-writer  the event log's single writer
//   authd-seclog  the security log
//   authd-feed    the live audit feed's fan-out
//   authd-mail    the outgoing-mail sender
#pragma once

#include <string_view>

namespace authd::core {

// Names the calling thread. Linux keeps 15 bytes; longer names are cut. Best effort: a name is
// for people and tools, and nothing depends on it being set.
void NameThisThread(std::string_view name) noexcept;

}  // namespace authd::core
