#include "core/hashing.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <string>
#include <vector>

namespace authd::core {
namespace {

using namespace std::string_literals;

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

Key256 CountingKey() {  // 00 01 02 ... 1f
  Key256 key;
  std::uint8_t next = 0;
  for (auto& b : key.mutable_bytes()) {
    b = next++;
  }
  return key;
}

// Expected values below were computed independently with Python's hashlib.blake2b.

Digest OneShotBlake2b256(std::string_view message) {
  Digest out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(message.data()),
                     message.size(), nullptr, 0);
  return out;
}

TEST(HashingTest, Blake2b256KnownAnswers) {
  // The primitive with the parameters ChainHash uses (unkeyed, 32-byte output).
  EXPECT_EQ(ToHex(OneShotBlake2b256("")),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(ToHex(OneShotBlake2b256("abc")),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  // ChainHash itself: BLAKE2b-256(32 zero bytes || "record one").
  EXPECT_EQ(ToHex(ChainHash(kGenesisHash, "record one")),
            "88cf7bad0927002ef63ecfb2ea6ea61c47e1545a9fc65fbd1627d9ade176fa44");
}

TEST(HashingTest, ChainHashIsBlake2bOfPrevThenRecord) {
  const std::string text = "0123456789abcdef0123456789abcdef and then the record bytes";
  Digest prev{};
  std::copy_n(text.begin(), prev.size(), prev.begin());
  EXPECT_EQ(ChainHash(prev, std::string_view(text).substr(prev.size())), OneShotBlake2b256(text));
  EXPECT_EQ(ChainHash(kGenesisHash, ""), OneShotBlake2b256(std::string(32, '\0')));
}

TEST(HashingTest, ChainHashDependsOnPrevAndRecord) {
  const Digest h1 = ChainHash(kGenesisHash, "event 1");
  const Digest h2 = ChainHash(h1, "event 2");
  EXPECT_NE(h2, ChainHash(kGenesisHash, "event 2"));
  EXPECT_NE(h2, ChainHash(h1, "event 3"));
  EXPECT_EQ(h2, ChainHash(ChainHash(kGenesisHash, "event 1"), "event 2"));
  Digest flipped = h1;
  flipped[0] ^= 1U;
  EXPECT_NE(h2, ChainHash(flipped, "event 2"));
}

TEST(HashingTest, KeyedHashKnownAnswer) {
  EXPECT_EQ(ToHex(KeyedHash(CountingKey(), "username", "alice")),
            "53c920fa7d856057b7123d275914a9ee6e1a473e775396df1da1383e24bbb307");
}

TEST(HashingTest, KeyedHashDiffersByKeyKindAndValue) {
  const Key256 key = CountingKey();
  const Digest base = KeyedHash(key, "username", "alice");
  EXPECT_EQ(base, KeyedHash(key, "username", "alice"));
  EXPECT_NE(base, KeyedHash(Key256::Random(), "username", "alice"));
  EXPECT_NE(base, KeyedHash(key, "email", "alice"));
  EXPECT_NE(base, KeyedHash(key, "username", "alicf"));
  // The separator keeps kind and value apart.
  EXPECT_NE(KeyedHash(key, "ab", "c"), KeyedHash(key, "a", "bc"));
  // Unkeyed and keyed hashes of related input differ.
  EXPECT_NE(base, ChainHash(kGenesisHash, "username\0alice"s));
}

TEST(HashingTest, ToHexIsLowerCase) {
  const std::vector<std::uint8_t> bytes = {0x00, 0x01, 0xab, 0xff, 0x7f};
  EXPECT_EQ(ToHex(bytes), "0001abff7f");
  EXPECT_EQ(ToHex({}), "");
  EXPECT_EQ(ToHex(kGenesisHash), std::string(64, '0'));
}

TEST(HashingTest, Base64UrlRfc4648VectorsWithoutPadding) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [raw, encoded] : vectors) {
    EXPECT_EQ(ToBase64Url(Bytes(raw)), encoded);
    std::string decoded = "junk";
    ASSERT_TRUE(FromBase64Url(encoded, decoded)) << encoded;
    EXPECT_EQ(decoded, raw);
  }
}

TEST(HashingTest, Base64UrlUsesUrlSafeAlphabet) {
  const std::vector<std::uint8_t> bytes = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(ToBase64Url(bytes), "-_-_");
  std::string decoded;
  ASSERT_TRUE(FromBase64Url("-_-_", decoded));
  EXPECT_EQ(decoded, "\xfb\xff\xbf"s);
}

TEST(HashingTest, Base64UrlRoundTripsEveryLength) {
  std::string raw;
  for (int i = 0; i < 300; ++i) {
    raw.push_back(static_cast<char>(i * 37));
    std::string decoded;
    ASSERT_TRUE(FromBase64Url(ToBase64Url(Bytes(raw)), decoded));
    EXPECT_EQ(decoded, raw);
  }
}

TEST(HashingTest, FromBase64UrlRejectsPaddingGarbageAndNonCanonical) {
  const std::string bad[] = {
      "Zg==",       // padding
      "Zm8=",       // padding
      "Zm9v YmFy",  // space inside
      " Zm9v",      // leading space
      "Zm9v\n",     // trailing newline
      "Zm9vYmFy!",  // trailing garbage
      "Zm9v\0"s,    // trailing NUL
      "Zm+v",       // standard alphabet
      "Zm/v",       // standard alphabet
      "Z",          // one character cannot encode a byte
      "Zm9vY",      // 4n+1 characters
      "Zh",         // non-zero unused bits ("f" is only "Zg")
      "Zm9",        // non-zero unused bits ("fo" is only "Zm8")
      "Zm9v.YmFy",  // a JWS separator
      "\xc3\xa9",   // non-ASCII
  };
  for (const std::string& text : bad) {
    std::string out = "unchanged";
    EXPECT_FALSE(FromBase64Url(text, out)) << text;
  }
}

}  // namespace
}  // namespace authd::core
