// Keeping argon2id's work area mapped between hashes on a thread.
//
// libsodium maps argon2id's memory (19 MiB by default) with mmap(MAP_POPULATE) for every hash
// and unmaps it afterwards. On the VMs we measured, populating, zeroing and unmapping those pages
// was ~42% of a verify's CPU (docs/BENCHMARKS.md, "Kept argon2id memory"). libsodium takes no
// caller memory, so argon2_memory.cpp defines mmap and munmap for the whole process: while a
// KeptArgon2Memory is alive on the calling thread, the one anonymous MAP_POPULATE request of
// libsodium's hash is answered from a mapping the thread keeps, and the matching munmap wipes it
// instead of returning it to the kernel. Every other call goes straight to the kernel, as glibc's
// own wrappers do.
//
//   { KeptArgon2Memory keep; crypto_pwhash_str_verify(...); }
//
// Costs: one mapping of the hash's size per thread that hashes, kept until the thread exits
// (excluded from core dumps). Under AddressSanitizer (which intercepts mmap itself) nothing is
// interposed and the guard does nothing: Enabled() says which.
#pragma once

#include <cstdint>

namespace authd::core {

class KeptArgon2Memory {
 public:
  KeptArgon2Memory() noexcept;
  ~KeptArgon2Memory();
  KeptArgon2Memory(const KeptArgon2Memory&) = delete;
  KeptArgon2Memory& operator=(const KeptArgon2Memory&) = delete;

  // False in sanitizer builds, where hashes map their memory as libsodium does.
  [[nodiscard]] static bool Enabled() noexcept;

  // Unmaps the calling thread's kept area, for a thread that hashed once and will not again.
  static void ReleaseThisThread() noexcept;
};

struct KeptArgon2MemoryStats {
  std::uint64_t reused = 0;  // hashes served from a kept mapping
  std::uint64_t mapped = 0;  // mappings made for hashes (first use on a thread, or a new size)
};

// Process-wide counters, for tests and metrics.
[[nodiscard]] KeptArgon2MemoryStats KeptArgon2MemoryCounters() noexcept;

}  // namespace authd::core
