#include "core/sodium_init.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>

namespace authd::core {

void EnsureSodiumInitialized() noexcept {
  // sodium_init() is itself idempotent and thread-safe; the static only skips its lock after the
  // first call. It returns 0 (initialized now), 1 (already initialized) or -1 (failure).
  static const bool initialized = [] {
    if (sodium_init() < 0) {
      std::fputs("authd: libsodium failed to initialize\n", stderr);
      std::abort();
    }
    return true;
  }();
  static_cast<void>(initialized);
}

}  // namespace authd::core
