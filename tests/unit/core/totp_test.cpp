#include "core/totp.hpp"

#include <gtest/gtest.h>

#include <array>

namespace authd::core {
namespace {

// The secret of RFC 4226 Appendix D and RFC 6238 Appendix B (SHA-1): ASCII "1234...90".
const std::string kRfcSecret = "12345678901234567890";

TEST(Hotp, MatchesRfc4226AppendixD) {
  constexpr std::array<std::uint32_t, 10> kExpected = {755224, 287082, 359152, 969429, 338314,
                                                       254676, 287922, 162583, 399871, 520489};
  for (std::uint64_t counter = 0; counter < kExpected.size(); ++counter) {
    EXPECT_EQ(Hotp(kRfcSecret, counter), kExpected[counter]) << "counter " << counter;
  }
}

TEST(Totp, MatchesRfc6238AppendixBSha1) {
  struct Vector {
    std::int64_t time;
    const char* code;  // 8 digits in the RFC
  };
  constexpr std::array<Vector, 6> kVectors = {{{59, "94287082"},
                                               {1111111109, "07081804"},
                                               {1111111111, "14050471"},
                                               {1234567890, "89005924"},
                                               {2000000000, "69279037"},
                                               {20000000000, "65353130"}}};
  for (const auto& v : kVectors) {
    EXPECT_EQ(FormatOtp(Hotp(kRfcSecret, TotpStep(v.time), 8), 8), v.code) << "T=" << v.time;
  }
}

TEST(Totp, SixDigitCodesAreTheLastSixOfTheRfcValues) {
  // Apps show 6 digits: the same truncated value modulo 10^6.
  EXPECT_EQ(FormatOtp(Hotp(kRfcSecret, TotpStep(1111111109))), "081804");
  EXPECT_EQ(FormatOtp(Hotp(kRfcSecret, TotpStep(59))), "287082");
}

TEST(Totp, AcceptsTheCurrentAndThePreviousStepOnly) {
  const std::int64_t now = 1111111111;  // step 37037037
  const auto step = TotpStep(now);
  const auto current = FormatOtp(Hotp(kRfcSecret, step));
  const auto previous = FormatOtp(Hotp(kRfcSecret, step - 1));
  const auto older = FormatOtp(Hotp(kRfcSecret, step - 2));
  const auto next = FormatOtp(Hotp(kRfcSecret, step + 1));
  EXPECT_EQ(MatchTotp(kRfcSecret, current, now), step);
  EXPECT_EQ(MatchTotp(kRfcSecret, previous, now), step - 1);
  EXPECT_EQ(MatchTotp(kRfcSecret, older, now), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, next, now), std::nullopt);
}

TEST(Totp, RefusesCodesThatAreNotSixDigits) {
  const std::int64_t now = 1111111111;
  const auto current = FormatOtp(Hotp(kRfcSecret, TotpStep(now)));
  EXPECT_EQ(MatchTotp(kRfcSecret, current + "0", now), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, current.substr(1), now), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, " " + current.substr(1), now), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSecret, "", now), std::nullopt);
  EXPECT_EQ(MatchTotp("other secret", current, now), std::nullopt);
}

TEST(Totp, StepZeroHasNoPreviousStep) {
  const auto code = FormatOtp(Hotp(kRfcSecret, 0));
  EXPECT_EQ(MatchTotp(kRfcSecret, code, 5), 0U);
}

TEST(Base32, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6");
  EXPECT_EQ(Base32Encode("foob"), "MZXW6YQ");
  EXPECT_EQ(Base32Encode("fooba"), "MZXW6YTB");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Encode(kRfcSecret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Totp, SecretsAreTwentyFreshBytes) {
  const auto a = NewTotpSecret();
  const auto b = NewTotpSecret();
  EXPECT_EQ(a.size(), kTotpSecretBytes);
  EXPECT_NE(a, b);
}

TEST(OtpauthUri, EncodesLabelAndIssuer) {
  EXPECT_EQ(OtpauthUri("authd", "alice", kRfcSecret),
            "otpauth://totp/authd:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=authd"
            "&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(OtpauthUri("Acme Corp", "a:b&c", "x"),
            "otpauth://totp/Acme%20Corp:a%3Ab%26c?secret=PA&issuer=Acme%20Corp"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace authd::core
