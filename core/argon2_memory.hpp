// Keeping argon2id's work area mapped between hashes on a thread.
//
// libsodium maps argon2id's memory (19 MiB by default) with mmap(MAP_POPULATE) for every hash
// and unmaps it afterwards. On the VMs we measured, populating, zeroing and unmapping those pages
// was ~42% of a verify's CPU (docs/BENCHMARKS.md, "Kept argon2id memory"). libsodium takes no
// caller memory, so argon2_memory.cpp defines mmap and munmap for the whole process: while a
// KeptArgon2Memory is alive on the calling thread, libsodium's one populated anonymous request of
// the expected size is answered from a mapping the thread keeps, and the matching munmap wipes it
// instead of returning it to the kernel. Every other call that reaches these functions goes
// straight to the kernel (glibc's own malloc, thread stacks and loader never reach them).
//
//   { const KeptArgon2Memory keep(memory_kib * 1024); crypto_pwhash_str_verify(...); }
//
// WARNING: create and destroy the guard on one thread, around a blocking call; never hold it
// across a co_await (the coroutine may resume elsewhere).
//
// Costs: one mapping of the hash's size per thread that hashes, kept until the thread exits
// (excluded from core dumps, zeroed in forked children). Under a sanitizer (ASan, TSan, MSan,
// HWASan), which intercepts mmap itself, nothing is interposed and the guard does nothing:
// Enabled() says which.
#pragma once

#include <cstddef>
#include <cstdint>

namespace authd::core {

class [[nodiscard]] KeptArgon2Memory final {
 public:
  // `bytes`: the work area the hashes will ask for (argon2id's memory cost in bytes). Requests of
  // any other size map and unmap as usual (a stored hash made with other parameters).
  explicit KeptArgon2Memory(std::size_t bytes) noexcept;
  ~KeptArgon2Memory();
  KeptArgon2Memory(const KeptArgon2Memory&) = delete;
  KeptArgon2Memory& operator=(const KeptArgon2Memory&) = delete;

  // False in sanitizer builds, where hashes map their memory as libsodium does.
  [[nodiscard]] static bool Enabled() noexcept;

  // Unmaps the calling thread's kept area, for a thread that hashed once and will not again.
  static void ReleaseThisThread() noexcept;

 private:
  std::size_t outer_expected_ = 0;  // restored on exit, for nested guards
};

struct KeptArgon2MemoryStats {
  std::uint64_t reused = 0;  // hashes served from a kept mapping
  std::uint64_t mapped = 0;  // mappings made for hashes (first use on a thread, or a new size)
};

// Process-wide counters (tests read them).
[[nodiscard]] KeptArgon2MemoryStats KeptArgon2MemoryCounters() noexcept;

}  // namespace authd::core
