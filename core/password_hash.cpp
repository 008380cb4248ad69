#include "core/password_hash.hpp"

#include <sodium.h>

#include <array>
#include <cstddef>
#include <stdexcept>
#include <utility>

#include "core/argon2_memory.hpp"
#include "core/error.hpp"
#include "core/sodium_init.hpp"

namespace authd::core {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// libsodium takes the password as (pointer, length); a default string_view may carry a null
// pointer, which argon2 accepts only for length 0. Hand it a valid pointer either way.
const char* PasswordData(std::string_view password) {
  return password.data() != nullptr ? password.data() : "";
}

unsigned long long OpsLimit(const Argon2Params& p) {
  return p.iterations;
}
std::size_t MemLimit(const Argon2Params& p) {
  return std::size_t{p.memory_kib} * 1024U;
}

}  // namespace

Result<void> Argon2Params::Validate() const {
  static_assert(crypto_pwhash_argon2id_MEMLIMIT_MIN <= 8U * 1024U);
  static_assert(crypto_pwhash_argon2id_OPSLIMIT_MIN <= 1U);
  if (memory_kib < 8 || iterations < 1 || parallelism != 1) {
    return make_error_code(Errc::kValidationFailed);
  }
  // On 64-bit targets every uint32 memory_kib * 1024 is within MEMLIMIT_MAX; check anyway.
  if (MemLimit(*this) > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    return make_error_code(Errc::kValidationFailed);
  }
  return {};
}

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  EnsureSodiumInitialized();
  if (!params_.Validate()) {
    throw std::invalid_argument(
        "argon2id parameters out of range (need m >= 8 KiB, t >= 1, p = 1)");
  }
  std::array<char, 32> random_password{};
  randombytes_buf(random_password.data(), random_password.size());
  auto hash = Hash(std::string_view(random_password.data(), random_password.size()));
  sodium_memzero(random_password.data(), random_password.size());
  // Constructed at start-up, on a thread that seldom hashes again: give its work area back.
  KeptArgon2Memory::ReleaseThisThread();
  if (!hash) throw std::runtime_error("argon2id failed while computing the dummy hash");
  dummy_hash_ = std::move(*hash);
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  EnsureSodiumInitialized();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  const KeptArgon2Memory keep(MemLimit(params_));
  if (crypto_pwhash_str_alg(out.data(), PasswordData(password), password.size(), OpsLimit(params_),
                            MemLimit(params_), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return make_error_code(Errc::kCryptoFailure);
  }
  // The output is NUL-terminated inside the buffer.
  return std::string(out.data());
}

VerifyOutcome PasswordHasher::Verify(std::string_view phc, std::string_view password) const {
  EnsureSodiumInitialized();
  // libsodium reads the hash as a C string: refuse embedded NULs (which would let it verify only a
  // prefix), anything that cannot fit its fixed-size format, and other algorithms (argon2i).
  if (!phc.starts_with(kArgon2idPrefix) || phc.size() >= crypto_pwhash_STRBYTES ||
      phc.find('\0') != std::string_view::npos) {
    return {};
  }
  const std::string terminated(phc);
  const KeptArgon2Memory keep(MemLimit(params_));
  if (crypto_pwhash_str_verify(terminated.c_str(), PasswordData(password), password.size()) != 0) {
    return {};
  }
  VerifyOutcome outcome;
  outcome.ok = true;
  // 0: same parameters, 1: different parameters, -1: unparsable (cannot happen after a successful
  // verify, but treat it as "rehash" so the stored string gets replaced).
  outcome.needs_rehash =
      crypto_pwhash_str_needs_rehash(terminated.c_str(), OpsLimit(params_), MemLimit(params_)) != 0;
  return outcome;
}

}  // namespace authd::core
