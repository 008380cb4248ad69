#include "core/argon2_memory.hpp"

#include <sodium.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>

// Sanitizers intercept mmap themselves and keep shadow memory in step with it: leave them alone.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define AUTHD_KEEP_ARGON2_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
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

// Plain data, constant-initialized: mmap may run on any thread at any time (allocators, the
// loader's constructors), and reading this must never allocate or run an initializer.
struct Area {
  void* base = nullptr;
  std::size_t size = 0;
  bool lent = false;  // handed to the hash now running
  int scopes = 0;     // live KeptArgon2Memory guards on this thread
};
constinit thread_local Area t_area{};

void* KernelMap(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  // syscall() returns -1 and sets errno on failure, and (void*)-1 is MAP_FAILED.
  return reinterpret_cast<void*>(syscall(SYS_mmap, addr, len, prot, flags, fd, off));
}
int KernelUnmap(void* addr, std::size_t len) {
  return static_cast<int>(syscall(SYS_munmap, addr, len));
}

// Unmaps the thread's area when the thread exits. Touched only from the guard, never from mmap:
// its first use registers a destructor, which may allocate.
struct AreaOwner {
  bool armed = false;
  AreaOwner() = default;
  AreaOwner(const AreaOwner&) = delete;
  AreaOwner& operator=(const AreaOwner&) = delete;
  ~AreaOwner() {
    if (t_area.base != nullptr && !t_area.lent) KernelUnmap(t_area.base, t_area.size);
    t_area = {};
  }
};
thread_local AreaOwner t_owner;

// What libsodium's argon2 asks for: fresh private anonymous read-write memory, populated.
bool IsHashRequest(void* addr, int prot, int flags, int fd, off_t off) {
  constexpr int kWanted = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
  return addr == nullptr && fd == -1 && off == 0 && prot == (PROT_READ | PROT_WRITE) &&
         (flags & kWanted) == kWanted && (flags & (MAP_FIXED | MAP_SHARED)) == 0;
}

void* Lend(std::size_t len, int prot, int flags) {
  if (t_area.base != nullptr && t_area.size == len) {
    t_area.lent = true;
    g_reused.fetch_add(1, std::memory_order_relaxed);
    return t_area.base;
  }
  // First hash on this thread, or the parameters changed: keep the new size from now on.
  if (t_area.base != nullptr) {
    KernelUnmap(t_area.base, t_area.size);
    t_area.base = nullptr;
  }
  void* p = KernelMap(nullptr, len, prot, flags, -1, 0);
  if (p == MAP_FAILED) return p;
  (void)madvise(p, len, MADV_DONTDUMP);  // best effort: a core dump need not carry hash state
  t_area.base = p;
  t_area.size = len;
  t_area.lent = true;
  g_mapped.fetch_add(1, std::memory_order_relaxed);
  return p;
}

// What the process's mmap and munmap (below) do.
void* Map(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  if (t_area.scopes > 0 && !t_area.lent && IsHashRequest(addr, prot, flags, fd, off)) {
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
  return KernelUnmap(addr, len);
}

#endif  // AUTHD_KEEP_ARGON2_MEMORY

}  // namespace

#if AUTHD_KEEP_ARGON2_MEMORY

KeptArgon2Memory::KeptArgon2Memory() noexcept {
  t_owner.armed = true;
  ++t_area.scopes;
}
KeptArgon2Memory::~KeptArgon2Memory() {
  --t_area.scopes;
}
bool KeptArgon2Memory::Enabled() noexcept {
  return true;
}
void KeptArgon2Memory::ReleaseThisThread() noexcept {
  if (t_area.base == nullptr || t_area.lent) return;
  KernelUnmap(t_area.base, t_area.size);
  t_area.base = nullptr;
  t_area.size = 0;
}

#else

KeptArgon2Memory::KeptArgon2Memory() noexcept = default;
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

// The process's mmap and munmap: they take precedence over libc's for every shared library.
extern "C" void* mmap(void* addr, std::size_t len, int prot, int flags, int fd,
                      off_t off) noexcept {
  return authd::core::Map(addr, len, prot, flags, fd, off);
}
extern "C" int munmap(void* addr, std::size_t len) noexcept {
  return authd::core::Unmap(addr, len);
}

#endif
