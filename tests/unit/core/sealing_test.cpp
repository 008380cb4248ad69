#include "core/sealing.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

namespace authd::core {
namespace {

using namespace std::string_literals;

constexpr std::size_t kOverhead = 24 + 16;

Key256 FixedKey(std::uint8_t fill) {
  Key256 key;
  for (auto& b : key.mutable_bytes()) {
    b = fill;
  }
  return key;
}

std::string FlipBit(std::string blob, std::size_t index, int bit = 0) {
  blob[index] = static_cast<char>(blob[index] ^ (1 << bit));
  return blob;
}

TEST(SealingTest, RoundTrip) {
  const Key256 key = Key256::Random();
  for (const std::string& plaintext :
       {""s, "a"s, "alice@example.com"s, std::string(10000, 'x'), "binary\0bytes\xff"s}) {
    const std::string blob = Seal(key, "usr_1", "email", plaintext);
    EXPECT_EQ(blob.size(), plaintext.size() + kOverhead);
    const auto opened = Open(key, "usr_1", "email", blob);
    ASSERT_TRUE(opened) << opened.error().message();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(SealingTest, FreshNonceEachTime) {
  const Key256 key = Key256::Random();
  const std::string a = Seal(key, "usr_1", "email", "same");
  const std::string b = Seal(key, "usr_1", "email", "same");
  EXPECT_NE(a.substr(0, 24), b.substr(0, 24));
  EXPECT_NE(a, b);
}

TEST(SealingTest, CiphertextDoesNotContainPlaintext) {
  const std::string secret = "a very recognisable secret value";
  const std::string blob = Seal(Key256::Random(), "usr_1", "email", secret);
  EXPECT_EQ(blob.find(secret), std::string::npos);
}

TEST(SealingTest, WrongKeySubjectOrFieldFails) {
  const Key256 key = FixedKey(1);
  const std::string blob = Seal(key, "usr_1", "email", "alice@example.com");
  EXPECT_EQ(Open(FixedKey(2), "usr_1", "email", blob).error(), Errc::kDecryptFailed);
  EXPECT_EQ(Open(key, "usr_2", "email", blob).error(), Errc::kDecryptFailed);
  EXPECT_EQ(Open(key, "usr_1", "display_name", blob).error(), Errc::kDecryptFailed);
  EXPECT_EQ(Open(key, "", "", blob).error(), Errc::kDecryptFailed);
}

TEST(SealingTest, FramingOfSubjectAndFieldIsUnambiguous) {
  // Without length prefixes, ("ab", "c") and ("a", "bc") -- or NULs inside names -- could collide.
  const Key256 key = FixedKey(3);
  const std::string blob = Seal(key, "ab", "c", "x");
  EXPECT_EQ(Open(key, "a", "bc", blob).error(), Errc::kDecryptFailed);
  const std::string with_nul = Seal(key, "a\0b"s, "c", "x");
  EXPECT_EQ(Open(key, "a", "b\0c"s, with_nul).error(), Errc::kDecryptFailed);
  EXPECT_TRUE(Open(key, "a\0b"s, "c", with_nul));
}

TEST(SealingTest, AnyFlippedBitFails) {
  const Key256 key = Key256::Random();
  const std::string blob = Seal(key, "usr_1", "email", "alice@example.com");
  ASSERT_TRUE(Open(key, "usr_1", "email", blob));
  // Every bit of nonce, ciphertext and tag.
  for (std::size_t i = 0; i < blob.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      EXPECT_EQ(Open(key, "usr_1", "email", FlipBit(blob, i, bit)).error(), Errc::kDecryptFailed)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(SealingTest, TruncatedOrExtendedFails) {
  const Key256 key = Key256::Random();
  const std::string blob = Seal(key, "usr_1", "email", "alice@example.com");
  for (std::size_t len = 0; len < blob.size(); ++len) {
    EXPECT_EQ(Open(key, "usr_1", "email", blob.substr(0, len)).error(), Errc::kDecryptFailed)
        << len;
  }
  EXPECT_EQ(Open(key, "usr_1", "email", blob + "x").error(), Errc::kDecryptFailed);
  // Exactly nonce + tag: a valid seal of the empty string still needs the right tag.
  EXPECT_EQ(Open(key, "usr_1", "email", std::string(kOverhead, '\0')).error(),
            Errc::kDecryptFailed);
}

TEST(SealingTest, WrapUnwrapRoundTrip) {
  const Key256 master = Key256::Random();
  const Key256 data_key = Key256::Random();
  const std::string wrapped = WrapKey(master, "usr_1", data_key);
  EXPECT_EQ(wrapped.size(), 32 + kOverhead);
  const auto unwrapped = UnwrapKey(master, "usr_1", wrapped);
  ASSERT_TRUE(unwrapped);
  EXPECT_TRUE(
      std::equal(unwrapped->bytes().begin(), unwrapped->bytes().end(), data_key.bytes().begin()));
}

TEST(SealingTest, UnwrapWithWrongMasterOrSubjectFails) {
  const Key256 master = FixedKey(7);
  const std::string wrapped = WrapKey(master, "usr_1", Key256::Random());
  EXPECT_EQ(UnwrapKey(FixedKey(8), "usr_1", wrapped).error(), Errc::kDecryptFailed);
  EXPECT_EQ(UnwrapKey(master, "usr_2", wrapped).error(), Errc::kDecryptFailed);
  EXPECT_EQ(UnwrapKey(master, "usr_1", FlipBit(wrapped, 30)).error(), Errc::kDecryptFailed);
}

TEST(SealingTest, UnwrapRejectsWrongLengthOrOtherField) {
  const Key256 master = FixedKey(9);
  // Sealed under the right field name but not 32 bytes long.
  EXPECT_EQ(UnwrapKey(master, "usr_1", Seal(master, "usr_1", "data_key", "short")).error(),
            Errc::kDecryptFailed);
  // 32 bytes, but sealed for another field: a sealed email cannot be passed off as a key.
  EXPECT_EQ(
      UnwrapKey(master, "usr_1", Seal(master, "usr_1", "email", std::string(32, 'k'))).error(),
      Errc::kDecryptFailed);
}

}  // namespace
}  // namespace authd::core
