// Recovery codes for the second factor: ten single-use codes shown once at MFA enrollment, for
// when the authenticator is lost. Each carries 80 random bits (16 base32 characters, shown as
// four groups of four), so a fast one-way hash is enough to store them: nobody can search 2^80
// candidates, which is why argon2id is not needed here as it is for passwords.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authd::core {

inline constexpr std::size_t kRecoveryCodeCount = 10;

// "abcd-efgh-ijkl-mnop": lower-case base32, from the CSPRNG.
[[nodiscard]] std::string NewRecoveryCode();

// The code as it was issued, from what the user typed: case, spaces and dashes do not matter.
// nullopt when it cannot be a recovery code (wrong length or alphabet).
[[nodiscard]] std::optional<std::string> NormalizeRecoveryCode(std::string_view typed);

// Hex BLAKE2b-256 of the normalized code, bound to its user so equal codes of two users differ.
[[nodiscard]] std::string HashRecoveryCode(std::string_view user_id, std::string_view normalized);

// Index of `hash` in `hashes` (every entry compared, in constant time each), or nullopt.
[[nodiscard]] std::optional<std::size_t> FindRecoveryCode(const std::vector<std::string>& hashes,
                                                          std::string_view hash);

}  // namespace authd::core
