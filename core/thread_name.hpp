// Names the threads of the server, so that `top -H`, `ps -L`, perf and /proc/PID/task/*/comm say
// which part of it a busy thread belongs to (otherwise every thread is called "authd"). The
// names, "authd-io", "authd-hash", "authd-writer", ..., are listed in docs/CONFIG.md, "Threads".
#pragma once

#include <string_view>

namespace authd::core {

// Names the calling thread. Linux keeps 15 bytes; longer names are cut. Best effort: a name is
// for people and tools, and nothing depends on it being set.
void NameThisThread(std::string_view name) noexcept;

}  // namespace authd::core
