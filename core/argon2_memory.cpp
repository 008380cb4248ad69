#include "core/argon2_memory.hpp"

#include <sodium.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

// Only where SYS_mmap takes its six arguments directly (not 32-bit x86's struct form), and never
// under a sanitizer: they intercept mmap themselves and keep shadow memory in step with it.
#if !defined(__linux__) || !(defined(__x86_64__) || defined(__aarch64__))
#define AUTHD_KEEP_ARGON2_MEMORY 0
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || \
    defined(__SANITIZE_HWADDRESS__)
#define AUTHD_KEEP_ARGON2_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer) || __has_feature(hwaddress_sanitizer)
#define AUTHD_KEEP_ARGON2_MEMORY 0
#endif
#endif
#ifndef AUTHD_KEEP_ARGON2_MEMORY
#define AUTHD_KEEP_ARGON2_MEMORY 1
#endif

namespace authd::core {
namespace {

std::atomic<std::uint64_t> g_reused{0};
std::atomic<std::uint64_t> g_mapped{0};

#if AUTHD_KEEP_ARGON2_MEMORY

// Plain data, constant-initialized: mmap may run on any thread at any time (allocators, other
// libraries' constructors, signal handlers), and reading this must never allocate or run an
// initializer.
struct Area {
  void* base = nullptr;
  std::size_t size = 0;
  bool lent = false;         // handed to the hash now running
  std::size_t expected = 0;  // the size the innermost live guard lends; 0: no guard
};
constinit thread_local Area t_area{};

void* KernelMap(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  // syscall() is variadic: pass every argument as a full register. It returns -1 and sets errno
  // on failure, and (void*)-1 is MAP_FAILED.
  return reinterpret_cast<void*>(syscall(SYS_mmap, addr, len, static_cast<long>(prot),
                                         static_cast<long>(flags), static_cast<long>(fd),
                                         static_cast<long>(off)));
}
int KernelUnmap(void* addr, std::size_t len) {
  return static_cast<int>(syscall(SYS_munmap, addr, len));
}

// Forgets the kept area; unmaps it first when `unmap`. Cleared before the unmap, so that an mmap
// from a signal handler in between cannot be handed the old address.
void Forget(bool unmap) {
  void* base = t_area.base;
  const std::size_t size = t_area.size;
  t_area.base = nullptr;
  t_area.size = 0;
  t_area.lent = false;
  if (unmap && base != nullptr) KernelUnmap(base, size);
}

// Unmaps the thread's area when the thread exits. Touched only from the guard, never from mmap:
// its first use registers a destructor, which may allocate.
struct AreaOwner {
  AreaOwner() = default;
  AreaOwner(const AreaOwner&) = delete;
  AreaOwner& operator=(const AreaOwner&) = delete;
  ~AreaOwner() { Forget(/*unmap=*/!t_area.lent); }
  void Arm() noexcept {}
};
thread_local AreaOwner t_owner;

// Exactly what libsodium's argon2id asks for: fresh private anonymous read-write memory,
// populated, of the size the guard expects.
bool IsHashRequest(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  return addr == nullptr && fd == -1 && off == 0 && prot == (PROT_READ | PROT_WRITE) &&
         flags == (MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE) && len == t_area.expected;
}

void* Lend(std::size_t len, int prot, int flags) {
  if (t_area.base != nullptr && t_area.size == len) {
    t_area.lent = true;
    g_reused.fetch_add(1, std::memory_order_relaxed);
    return t_area.base;
  }
  Forget(/*unmap=*/true);  // the parameters changed: keep the new size from now on
  void* p = KernelMap(nullptr, len, prot, flags, -1, 0);
  if (p == MAP_FAILED) return p;
  (void)madvise(p, len, MADV_DONTDUMP);    // best effort: a core dump need not carry hash state
  (void)madvise(p, len, MADV_WIPEONFORK);  // nor a forked child, which gets zeroes
  t_area.base = p;
  t_area.size = len;
  t_area.lent = true;
  g_mapped.fetch_add(1, std::memory_order_relaxed);
  return p;
}

bool Overlaps(const void* addr, std::size_t len) {
  const auto* a = static_cast<const char*>(addr);
  const auto* base = static_cast<const char*>(t_area.base);
  return t_area.base != nullptr && a < base + t_area.size && base < a + len;
}

// What the process's mmap and munmap (below) do.
void* Map(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  if (t_area.expected != 0 && !t_area.lent && IsHashRequest(addr, len, prot, flags, fd, off)) {
    return Lend(len, prot, flags);
  }
  return KernelMap(addr, len, prot, flags, fd, off);
}
int Unmap(void* addr, std::size_t len) {
  if (t_area.lent && addr == t_area.base && len == t_area.size) {
    // The hash is done with it: wipe it so nothing of this password's work outlives the call.
    sodium_memzero(addr, len);
    t_area.lent = false;
    return 0;
  }
  // Anyone else unmapping any of it (it should not happen) takes it away from us.
  if (Overlaps(addr, len)) Forget(/*unmap=*/false);
  return KernelUnmap(addr, len);
}

#endif  // AUTHD_KEEP_ARGON2_MEMORY

}  // namespace

#if AUTHD_KEEP_ARGON2_MEMORY

KeptArgon2Memory::KeptArgon2Memory(std::size_t bytes) noexcept : outer_expected_(t_area.expected) {
  t_owner.Arm();
  t_area.expected = bytes;
}
KeptArgon2Memory::~KeptArgon2Memory() {
  t_area.expected = outer_expected_;
}
bool KeptArgon2Memory::Enabled() noexcept {
  return true;
}
void KeptArgon2Memory::ReleaseThisThread() noexcept {
  if (!t_area.lent) Forget(/*unmap=*/true);
}

#else

KeptArgon2Memory::KeptArgon2Memory(std::size_t /*bytes*/) noexcept {}
KeptArgon2Memory::~KeptArgon2Memory() = default;
bool KeptArgon2Memory::Enabled() noexcept {
  return false;
}
void KeptArgon2Memory::ReleaseThisThread() noexcept {}

#endif

KeptArgon2MemoryStats KeptArgon2MemoryCounters() noexcept {
  return {.reused = g_reused.load(std::memory_order_relaxed),
          .mapped = g_mapped.load(std::memory_order_relaxed)};
}

}  // namespace authd::core

#if AUTHD_KEEP_ARGON2_MEMORY

// The process's mmap and munmap: exported from the executable, they take precedence over libc's
// for every shared library (glibc's own malloc, thread stacks and loader call its internal
// __mmap and never come here).
extern "C" __attribute__((visibility("default"))) void* mmap(void* addr, std::size_t len, int prot,
                                                             int flags, int fd,
                                                             off_t off) noexcept {
  return authd::core::Map(addr, len, prot, flags, fd, off);
}
extern "C" __attribute__((visibility("default"))) int munmap(void* addr, std::size_t len) noexcept {
  return authd::core::Unmap(addr, len);
}

#endif
