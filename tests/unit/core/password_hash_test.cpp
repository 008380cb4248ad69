#include "core/password_hash.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace authd::core {
namespace {

using namespace std::string_literals;

// Small parameters keep the suite fast; one test below exercises the defaults.
constexpr Argon2Params kFast{8 * 1024, 1, 1};

class PasswordHashTest : public ::testing::Test {
 protected:
  static const PasswordHasher& Hasher() {
    static const PasswordHasher hasher(kFast);
    return hasher;
  }
  static const std::string& StoredHash() {
    static const std::string hash = *Hasher().Hash("correct horse battery staple");
    return hash;
  }
};

TEST_F(PasswordHashTest, HashThenVerifyRoundTrips) {
  const VerifyOutcome outcome = Hasher().Verify(StoredHash(), "correct horse battery staple");
  EXPECT_TRUE(outcome.ok);
  EXPECT_FALSE(outcome.needs_rehash);
}

TEST_F(PasswordHashTest, WrongPasswordFails) {
  EXPECT_FALSE(Hasher().Verify(StoredHash(), "correct horse battery stapler").ok);
  EXPECT_FALSE(Hasher().Verify(StoredHash(), "Correct horse battery staple").ok);
  EXPECT_FALSE(Hasher().Verify(StoredHash(), "").ok);
}

TEST_F(PasswordHashTest, FastParamsAppearInPhcString) {
  EXPECT_TRUE(StoredHash().starts_with("$argon2id$v=19$m=8192,t=1,p=1$")) << StoredHash();
}

TEST_F(PasswordHashTest, SaltsDiffer) {
  const auto a = Hasher().Hash("same password twice");
  const auto b = Hasher().Hash("same password twice");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(Hasher().Verify(*a, "same password twice").ok);
  EXPECT_TRUE(Hasher().Verify(*b, "same password twice").ok);
}

TEST_F(PasswordHashTest, PasswordBytesAreHashedByLengthNotAsCString) {
  const auto hash = Hasher().Hash("abc\0def"s);
  ASSERT_TRUE(hash);
  EXPECT_TRUE(Hasher().Verify(*hash, "abc\0def"s).ok);
  EXPECT_FALSE(Hasher().Verify(*hash, "abc").ok);
  EXPECT_FALSE(Hasher().Verify(*hash, "abc\0deg"s).ok);
}

TEST_F(PasswordHashTest, UnicodeAndEmptyPasswordsRoundTrip) {
  for (const std::string& password : {""s, "pässwörd ünïcode 🔑🔑"s}) {
    const auto hash = Hasher().Hash(password);
    ASSERT_TRUE(hash);
    EXPECT_TRUE(Hasher().Verify(*hash, password).ok);
  }
}

TEST_F(PasswordHashTest, MalformedHashStringsVerifyAsNotOk) {
  const std::string& good = StoredHash();
  const std::string password = "correct horse battery staple";
  const std::string cases[] = {
      "",
      "garbage",
      "$argon2id$",
      "$argon2id$v=19$m=8192,t=1,p=1$",
      good.substr(0, good.size() - 5),    // truncated hash
      good + "AAAA",                      // trailing garbage
      good + "\0trailing"s,               // embedded NUL: must not verify a prefix
      "$ARGON2ID$" + good.substr(10),     // wrong case of the algorithm
      "$argon2id$v=19$m=8192,t=1,p=1$$",  // empty salt and hash
      "$argon2id$v=16$m=8192,t=1,p=1" + good.substr(good.find("p=1") + 3),  // unknown version
      std::string(4096, 'A'),
      "$argon2id$" + std::string(300, 'x'),
  };
  for (const std::string& phc : cases) {
    const VerifyOutcome outcome = Hasher().Verify(phc, password);
    EXPECT_FALSE(outcome.ok) << phc;
    EXPECT_FALSE(outcome.needs_rehash) << phc;
  }
}

TEST_F(PasswordHashTest, RejectsOtherArgon2Variants) {
  std::array<char, crypto_pwhash_STRBYTES> argon2i{};
  ASSERT_EQ(
      crypto_pwhash_str_alg(argon2i.data(), "pw", 2, 3, 8192 * 1024, crypto_pwhash_ALG_ARGON2I13),
      0);
  ASSERT_TRUE(std::string_view(argon2i.data()).starts_with("$argon2i$"));
  // libsodium itself would accept it; the hasher must not.
  EXPECT_EQ(crypto_pwhash_str_verify(argon2i.data(), "pw", 2), 0);
  EXPECT_FALSE(Hasher().Verify(argon2i.data(), "pw").ok);
}

TEST_F(PasswordHashTest, NeedsRehashWhenParametersChange) {
  const PasswordHasher more_iterations(Argon2Params{8 * 1024, 2, 1});
  const VerifyOutcome a = more_iterations.Verify(StoredHash(), "correct horse battery staple");
  EXPECT_TRUE(a.ok);
  EXPECT_TRUE(a.needs_rehash);

  const PasswordHasher more_memory(Argon2Params{9 * 1024, 1, 1});
  const VerifyOutcome b = more_memory.Verify(StoredHash(), "correct horse battery staple");
  EXPECT_TRUE(b.ok);
  EXPECT_TRUE(b.needs_rehash);

  // A wrong password never asks for a rehash.
  EXPECT_FALSE(more_memory.Verify(StoredHash(), "wrong").needs_rehash);
}

TEST_F(PasswordHashTest, DummyHashUsesCurrentParamsAndMatchesNothingUseful) {
  const std::string& dummy = Hasher().DummyHash();
  EXPECT_TRUE(dummy.starts_with("$argon2id$v=19$m=8192,t=1,p=1$")) << dummy;
  EXPECT_FALSE(Hasher().Verify(dummy, "").ok);
  EXPECT_FALSE(Hasher().Verify(dummy, "correct horse battery staple").ok);
  // Computed once: the same string every time.
  EXPECT_EQ(&Hasher().DummyHash(), &dummy);
}

TEST(PasswordHashParamsTest, ValidateRejectsOutOfRangeParameters) {
  EXPECT_TRUE(Argon2Params{}.Validate());
  EXPECT_TRUE(kFast.Validate());
  EXPECT_EQ(Argon2Params({8 * 1024, 1, 2}).Validate().error(), Errc::kValidationFailed);
  EXPECT_EQ(Argon2Params({8 * 1024, 0, 1}).Validate().error(), Errc::kValidationFailed);
  EXPECT_EQ(Argon2Params({7, 1, 1}).Validate().error(), Errc::kValidationFailed);
  EXPECT_THROW(PasswordHasher(Argon2Params{8 * 1024, 1, 4}), std::invalid_argument);
}

// The one test with the production defaults (OWASP: m=19 MiB, t=2, p=1).
TEST(PasswordHashDefaultsTest, PhcStringCarriesOwaspDefaults) {
  const PasswordHasher hasher;
  EXPECT_EQ(hasher.params().memory_kib, 19456U);
  const auto hash = hasher.Hash("Tr0ub4dor&3 but longer");
  ASSERT_TRUE(hash);
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *hash;
  EXPECT_TRUE(hasher.DummyHash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  const VerifyOutcome outcome = hasher.Verify(*hash, "Tr0ub4dor&3 but longer");
  EXPECT_TRUE(outcome.ok);
  EXPECT_FALSE(outcome.needs_rehash);
}

}  // namespace
}  // namespace authd::core
