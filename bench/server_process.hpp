// A real `authd serve` child process on 127.0.0.1 for memory_bench, and its memory as the kernel
// counts it (/proc/PID/status). Only the pid this object started is ever signalled.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace authd::bench {

// Sizes from /proc/PID/status, in KiB (-1 when the line is missing).
struct ProcMemory {
  long long rss_kib = -1;   // VmRSS: resident now
  long long hwm_kib = -1;   // VmHWM: the peak of VmRSS
  long long anon_kib = -1;  // RssAnon: heap, stacks, RocksDB's block cache and memtables
  long long file_kib = -1;  // RssFile: the mapped binary and libraries
  long long threads = -1;   // Threads
};

// Not thread-safe. The destructor stops a server that is still running.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Starts `authd serve --data DATA --listen 127.0.0.1:PORT FLAGS...` on a free port, its output
  // appended to `log_path`, and waits until GET /healthz answers 200 (at most `timeout`). False
  // with error() set when it exits or does not become healthy in time (then it is killed).
  bool Start(const std::string& authd, const std::string& data, const std::string& log_path,
             const std::vector<std::string>& flags, std::chrono::seconds timeout);
  // SIGTERM, then SIGKILL after 30 s; waits for the child. Idempotent.
  void Stop();

  [[nodiscard]] ProcMemory Memory() const;
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string error_;
};

}  // namespace authd::bench
