// One-time libsodium initialization shared by every crypto file in core/.
#pragma once

namespace authd::core {

// Calls sodium_init() exactly once per process (a function-local static, so thread-safe and cheap
// after the first call). Every core function that uses libsodium calls this first; callers outside
// core/ never need to.
//
// If libsodium cannot initialize (no usable entropy source), the process aborts: nothing in authd
// can run safely without it, and this can only happen at start-up.
void EnsureSodiumInitialized() noexcept;

}  // namespace authd::core
