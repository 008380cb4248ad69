// The physical baseline of the login benchmark: how many argon2id verifies per second these cores
// do, calling libsodium directly with authd's parameters and no server around it. Prints one
// number, verifies/s, so bench/http_bench.sh can put authd's logins/s beside it.
//
//   argon2_baseline --threads N --seconds S [--memory-kib M] [--iterations T] [--keep-memory 1]
//                   [--cpu 1]
//
// --keep-memory 1 keeps each thread's argon2id work area mapped between verifies, as authd's
// hashing does (core/argon2_memory.hpp); without it every verify maps and unmaps its memory, as a
// plain libsodium call does. --cpu 1 prints a second number: CPU milliseconds a verify (the
// process's CPU time over the verifies), which bench/login_gap.sh sets beside authd's.
#include <sodium.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/cpu_time.hpp"
#include "core/argon2_memory.hpp"

namespace {

struct Options {
  unsigned threads = 2;
  double seconds = 10;
  unsigned long long memory_kib = 19 * 1024;  // authd's defaults (core/password_hash.hpp)
  unsigned long long iterations = 2;
  bool keep_memory = false;
  bool cpu = false;
};

bool Parse(int argc, char** argv, Options& o) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--threads") {
      o.threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
    } else if (flag == "--seconds") {
      o.seconds = std::strtod(value, nullptr);
    } else if (flag == "--memory-kib") {
      o.memory_kib = std::strtoull(value, nullptr, 10);
    } else if (flag == "--iterations") {
      o.iterations = std::strtoull(value, nullptr, 10);
    } else if (flag == "--keep-memory" || flag == "--cpu") {
      const std::string_view v = value;
      if (v != "0" && v != "1") return false;
      bool& on = flag == "--cpu" ? o.cpu : o.keep_memory;
      on = v == "1";
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && o.threads > 0 && o.seconds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!Parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: argon2_baseline --threads N --seconds S [--memory-kib M] "
                 "[--iterations T] [--keep-memory 1] [--cpu 1]\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  const std::string password = "correct horse battery staple";
  char phc[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(phc, password.data(), password.size(), o.iterations,
                            o.memory_kib * 1024, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return 1;
  }

  std::atomic<bool> stop{false};
  std::atomic<unsigned long> verified{0};
  std::vector<std::thread> workers;
  const double cpu_start = authd::bench::ProcessCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  for (unsigned t = 0; t < o.threads; ++t) {
    workers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        std::optional<authd::core::KeptArgon2Memory> keep;
        if (o.keep_memory) keep.emplace(o.memory_kib * 1024);
        if (crypto_pwhash_str_verify(phc, password.data(), password.size()) == 0) {
          verified.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (auto& w : workers)
    w.join();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  const auto n = static_cast<double>(verified.load());
  if (o.cpu) {
    std::printf("%.2f %.2f\n", n / elapsed.count(),
                n > 0 ? 1000 * (authd::bench::ProcessCpuSeconds() - cpu_start) / n : 0.0);
  } else {
    std::printf("%.2f\n", n / elapsed.count());
  }
  return 0;
}
