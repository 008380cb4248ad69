// The Ed25519 keys that sign access tokens. Each key's seed is a data key in the `keys` family
// (subject "sig_<kid>", wrapped by the master key); the list of keys and when each was retired is
// `meta/signing_keys`. The newest key signs; retired keys still verify until every token they
// signed has expired.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/jwt.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

struct SigningKey {
  std::string kid;
  core::Micros created_at = 0;
  core::Micros retired_at = 0;  // 0 while it is the signing key
  std::shared_ptr<const core::Ed25519KeyPair> pair;
};

// Thread-safe: readers get immutable snapshots; Rotate replaces the snapshot.
class SigningKeys {
 public:
  // Loads the keys, creating the first one when there is none.
  [[nodiscard]] static Result<std::unique_ptr<SigningKeys>> Load(storage::EventLog& log,
                                                                 core::IdGenerator& ids);

  // The key that signs new tokens.
  [[nodiscard]] std::shared_ptr<const SigningKey> Current() const;
  // The public key for `kid` if it may still verify a live token at `now` (retired less than
  // `max_token_lifetime` ago).
  [[nodiscard]] std::optional<core::Ed25519PublicKey> Lookup(std::string_view kid, core::Micros now,
                                                             core::Micros max_token_lifetime) const;
  // Every key that may still verify a live token, newest first.
  [[nodiscard]] std::vector<std::shared_ptr<const SigningKey>> Verifying(
      core::Micros now, core::Micros max_token_lifetime) const;

  // Makes a new signing key and retires the current one (it keeps verifying).
  [[nodiscard]] Result<void> Rotate(storage::EventLog& log, core::IdGenerator& ids);

 private:
  using Snapshot = std::vector<std::shared_ptr<const SigningKey>>;  // newest first
  [[nodiscard]] std::shared_ptr<const Snapshot> Get() const;
  [[nodiscard]] static Result<std::shared_ptr<const Snapshot>> Read(const storage::EventLog& log);

  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> keys_;
};

}  // namespace authd::projections
