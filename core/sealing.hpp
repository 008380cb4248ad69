// Sealing of personal data and secrets under a subject's data key (XChaCha20-Poly1305-IETF).
//
// A sealed blob is nonce(24) || ciphertext || tag(16). The additional data binds the blob to the
// subject id and the field name, so a blob copied to another user or another field fails to open.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/secret.hpp"

namespace authd::core {

// Thread-safe (pure functions).
[[nodiscard]] std::string Seal(const Key256& key, std::string_view subject, std::string_view field,
                               std::string_view plaintext);

// Errc::kDecryptFailed if the blob is too short, was tampered with, or belongs to another
// subject, field or key.
[[nodiscard]] Result<std::string> Open(const Key256& key, std::string_view subject,
                                       std::string_view field, std::string_view blob);

// Key wrapping for the key vault: the data key of `subject` sealed under the master key.
[[nodiscard]] std::string WrapKey(const Key256& master, std::string_view subject,
                                  const Key256& data_key);
[[nodiscard]] Result<Key256> UnwrapKey(const Key256& master, std::string_view subject,
                                       std::string_view wrapped);

}  // namespace authd::core
