// argon2id password hashing (libsodium crypto_pwhash, PHC string format). The work area is kept
// mapped between hashes on each thread (core/argon2_memory.hpp).
//
// WARNING: Hash and Verify take tens of milliseconds and ~19 MiB by design. Call them only from
// the hashing thread pool, never from an I/O thread or the event-log writer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace authd::core {

struct Argon2Params {
  // Defaults follow OWASP's password storage cheat sheet for argon2id: m=19 MiB, t=2, p=1.
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  // libsodium's argon2id always uses one lane; any other value is rejected by Validate().
  std::uint32_t parallelism = 1;

  // Errc::kValidationFailed unless memory_kib >= 8, iterations >= 1 and parallelism == 1
  // (libsodium's limits for argon2id).
  [[nodiscard]] Result<void> Validate() const;
};

struct VerifyOutcome {
  bool ok = false;            // the password matches the hash
  bool needs_rehash = false;  // matched, but the hash was made with other parameters
};

// Thread-safe: holds only immutable parameters.
class PasswordHasher {
 public:
  // Computes DummyHash() once, so it costs one Hash(). Construct at start-up only: throws
  // std::invalid_argument when params.Validate() fails and std::runtime_error when libsodium
  // cannot hash (out of memory).
  explicit PasswordHasher(Argon2Params params = {});

  // Returns a PHC string "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" with a fresh random salt.
  // Errc::kCryptoFailure if libsodium cannot allocate the memory.
  [[nodiscard]] Result<std::string> Hash(std::string_view password) const;

  // Constant-time verify. A malformed hash string, or one that is not argon2id, verifies as not ok
  // (never throws). needs_rehash compares the hash's m, t and p with params().
  [[nodiscard]] VerifyOutcome Verify(std::string_view phc, std::string_view password) const;

  // A hash of a random password made with the current parameters, for verifying against when the
  // account does not exist so unknown users cost the same time as known ones.
  [[nodiscard]] const std::string& DummyHash() const { return dummy_hash_; }

  [[nodiscard]] const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
  std::string dummy_hash_;
};

}  // namespace authd::core
