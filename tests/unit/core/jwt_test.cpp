#include "core/jwt.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <string>

#include "core/hashing.hpp"

namespace authd::core {
namespace {

using namespace std::string_literals;
namespace json = boost::json;

constexpr std::int64_t kNow = 1'767'225'600;  // 2026-01-01T00:00:00Z
constexpr std::string_view kIssuer = "https://auth.example.com";
constexpr std::string_view kAudience = "authd";

std::span<const std::uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string B64(std::string_view s) {
  return ToBase64Url(Bytes(s));
}

std::string Unhex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  std::size_t len = 0;
  EXPECT_EQ(sodium_hex2bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), hex.data(),
                           hex.size(), nullptr, &len, nullptr),
            0);
  out.resize(len);
  return out;
}

Ed25519Seed SeedFromHex(std::string_view hex) {
  const std::string raw = Unhex(hex);
  Ed25519Seed seed;
  std::copy(raw.begin(), raw.end(), seed.mutable_bytes().begin());
  return seed;
}

// RFC 8032 section 7.1, TEST 1 (also the key of RFC 8037 appendix A.1).
constexpr std::string_view kRfcSecretHex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr std::string_view kRfcPublicHex =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr std::string_view kRfcSignatureHex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : key_(Ed25519KeyPair::FromSeed(SeedFromHex(kRfcSecretHex))) {
    keys_["k1"] = key_.public_key();
    keys_["other"] = other_.public_key();
    options_.issuer = kIssuer;
    options_.audience = kAudience;
    options_.now_seconds = kNow;
    options_.leeway_seconds = 30;
  }

  JwtKeyLookup Lookup() const {
    return [this](std::string_view kid) -> std::optional<Ed25519PublicKey> {
      const auto it = keys_.find(std::string(kid));
      if (it == keys_.end()) return std::nullopt;
      return it->second;
    };
  }

  static json::object Claims() {
    return json::object{
        {"iss", kIssuer},           {"sub", "usr_1"}, {"aud", kAudience},
        {"exp", kNow + 900},        {"iat", kNow},    {"nbf", kNow},
        {"jti", "jti_1"},           {"sid", "ses_1"}, {"roles", json::array{"user"}},
        {"amr", json::array{"pwd"}}};
  }

  static std::string Header(std::string_view kid = "k1") {
    return json::serialize(json::object{{"alg", "EdDSA"}, {"typ", "at+jwt"}, {"kid", kid}});
  }

  Result<json::object> Verify(std::string_view token) const {
    return VerifyJwt(token, Lookup(), options_);
  }

  ErrorCode VerifyError(std::string_view token) const {
    const auto result = Verify(token);
    if (result) return {};
    return result.error();
  }

  // A correctly signed token with arbitrary header and payload text.
  std::string SignedRaw(std::string_view header, std::string_view payload) const {
    return SignJws(key_, header, payload);
  }
  std::string SignedClaims(const json::object& claims) const {
    return SignedRaw(Header(), json::serialize(claims));
  }

  Ed25519KeyPair key_;
  Ed25519KeyPair other_ = Ed25519KeyPair::Generate();
  std::map<std::string, Ed25519PublicKey> keys_;
  VerifyOptions options_;
};

// ---- known answers ----------------------------------------------------------------------------

TEST_F(JwtTest, Rfc8032Test1RawEd25519) {
  EXPECT_EQ(ToHex(key_.public_key()), kRfcPublicHex);
  const Ed25519Signature signature = key_.Sign(std::string_view());
  EXPECT_EQ(ToHex(signature), kRfcSignatureHex);
  EXPECT_TRUE(VerifyEd25519(key_.public_key(), "", signature));
  EXPECT_FALSE(VerifyEd25519(key_.public_key(), "x", signature));
  Ed25519Signature flipped = signature;
  flipped[10] ^= 0x01;
  EXPECT_FALSE(VerifyEd25519(key_.public_key(), "", flipped));
}

TEST_F(JwtTest, Rfc8037AppendixA) {
  // A.1: the key as a JWK.
  EXPECT_EQ(ToBase64Url(key_.seed().bytes()), "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  const json::object jwk = JwkFromPublicKey("k1", key_.public_key());
  EXPECT_EQ(jwk.at("x").as_string(), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
  // A.4: the JWS. Ed25519 is deterministic, so the whole compact serialization is fixed.
  const std::string token = SignJws(key_, R"({"alg":"EdDSA"})", "Example of Ed25519 signing");
  EXPECT_EQ(
      token,
      "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
  // A.5: it verifies as a signature over the ASCII signing input, but it is not an access token
  // (no typ, no kid), so VerifyJwt refuses it before looking at the signature.
  std::string sig;
  ASSERT_TRUE(FromBase64Url(token.substr(token.rfind('.') + 1), sig));
  Ed25519Signature signature{};
  std::copy(sig.begin(), sig.end(), signature.begin());
  EXPECT_TRUE(VerifyEd25519(key_.public_key(),
                            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc", signature));
  EXPECT_EQ(VerifyError(token), JwtErrc::kBadHeader);
}

TEST_F(JwtTest, KeyPairsFromSeedAreDeterministicAndGeneratedOnesDiffer) {
  const Ed25519KeyPair again = Ed25519KeyPair::FromSeed(key_.seed());
  EXPECT_EQ(again.public_key(), key_.public_key());
  EXPECT_EQ(again.Sign("m"), key_.Sign("m"));
  const Ed25519KeyPair a = Ed25519KeyPair::Generate();
  const Ed25519KeyPair b = Ed25519KeyPair::Generate();
  EXPECT_NE(a.public_key(), b.public_key());
  EXPECT_EQ(Ed25519KeyPair::FromSeed(a.seed()).public_key(), a.public_key());
}

TEST_F(JwtTest, JwkShape) {
  const json::object jwk = JwkFromPublicKey("key_2026", key_.public_key());
  EXPECT_EQ(json::serialize(jwk),
            R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",)"
            R"("kid":"key_2026","alg":"EdDSA","use":"sig"})");
}

// ---- the happy path ---------------------------------------------------------------------------

TEST_F(JwtTest, SignThenVerifyRoundTrips) {
  const std::string token = SignJwt(key_, "k1", Claims());
  const auto claims = Verify(token);
  ASSERT_TRUE(claims) << claims.error().message();
  EXPECT_EQ(*claims, Claims());
}

TEST_F(JwtTest, HeaderIsExactlyAlgTypKid) {
  const std::string token = SignJwt(key_, "k\"1", Claims());
  std::string header;
  ASSERT_TRUE(FromBase64Url(token.substr(0, token.find('.')), header));
  EXPECT_EQ(header, R"({"alg":"EdDSA","typ":"at+jwt","kid":"k\"1"})");
}

TEST_F(JwtTest, TypIsCaseInsensitiveAndMayHaveApplicationPrefix) {
  for (const std::string& typ :
       {"AT+JWT"s, "At+Jwt"s, "application/at+jwt"s, "Application/AT+JWT"s}) {
    const std::string header =
        json::serialize(json::object{{"alg", "EdDSA"}, {"typ", typ}, {"kid", "k1"}});
    EXPECT_TRUE(Verify(SignedRaw(header, json::serialize(Claims())))) << typ;
  }
}

TEST_F(JwtTest, AudienceMayBeAnArray) {
  json::object claims = Claims();
  claims["aud"] = json::array{"billing", kAudience};
  EXPECT_TRUE(Verify(SignedClaims(claims)));
  claims["aud"] = json::array{"billing", "reports"};
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  claims["aud"] = json::array{};
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  claims["aud"] = json::array{1, 2};
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
}

// ---- algorithm confusion ----------------------------------------------------------------------

TEST_F(JwtTest, AlgNoneIsRejected) {
  const std::string payload = B64(json::serialize(Claims()));
  for (const std::string& alg : {"none"s, "None"s, "NONE"s, "nOnE"s}) {
    const std::string header =
        B64(json::serialize(json::object{{"alg", alg}, {"typ", "at+jwt"}, {"kid", "k1"}}));
    EXPECT_EQ(VerifyError(header + "." + payload + "."), JwtErrc::kUnsupportedAlg) << alg;
    // ... also with a signature attached.
    EXPECT_EQ(VerifyError(header + "." + payload + "." + B64(std::string(64, 'x'))),
              JwtErrc::kUnsupportedAlg);
  }
  // No header fields at all besides alg.
  EXPECT_EQ(VerifyError(B64(R"({"alg":"none"})") + "." + payload + "."), JwtErrc::kUnsupportedAlg);
}

TEST_F(JwtTest, Hs256WithThePublicKeyAsSecretIsRejected) {
  const std::string signing_input =
      B64(json::serialize(json::object{{"alg", "HS256"}, {"typ", "at+jwt"}, {"kid", "k1"}})) + "." +
      B64(json::serialize(Claims()));
  std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key_.public_key().data(), key_.public_key().size());
  crypto_auth_hmacsha256_update(&state, Bytes(signing_input).data(), signing_input.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  EXPECT_EQ(VerifyError(signing_input + "." + ToBase64Url(mac)), JwtErrc::kUnsupportedAlg);
}

TEST_F(JwtTest, OtherAlgorithmsAndSpellingsAreRejected) {
  for (const std::string& alg : {"HS256"s, "RS256"s, "ES256"s, "Ed25519"s, "eddsa"s, "EDDSA"s,
                                 "EdDSA "s, " EdDSA"s, "EdDSA\0"s, ""s}) {
    const std::string header =
        json::serialize(json::object{{"alg", alg}, {"typ", "at+jwt"}, {"kid", "k1"}});
    EXPECT_EQ(VerifyError(SignedRaw(header, json::serialize(Claims()))), JwtErrc::kUnsupportedAlg)
        << testing::PrintToString(alg);
  }
}

// ---- header ------------------------------------------------------------------------------------

TEST_F(JwtTest, BadHeaders) {
  const std::string payload = json::serialize(Claims());
  const std::string headers[] = {
      R"({"typ":"at+jwt","kid":"k1"})",                  // no alg
      R"({"alg":1,"typ":"at+jwt","kid":"k1"})",          // alg not a string
      R"({"alg":["EdDSA"],"typ":"at+jwt","kid":"k1"})",  // alg not a string
      R"({"alg":"EdDSA","kid":"k1"})",                   // no typ
      R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})",       // a plain JWT, not an access token
      R"({"alg":"EdDSA","typ":"at+jwt+x","kid":"k1"})",  // wrong typ
      R"({"alg":"EdDSA","typ":7,"kid":"k1"})",           // typ not a string
      R"({"alg":"EdDSA","typ":"at+jwt"})",               // no kid
      R"({"alg":"EdDSA","typ":"at+jwt","kid":1})",       // kid not a string
      R"({"alg":"EdDSA","typ":"at+jwt","kid":null})",    // kid not a string
      R"({"alg":"EdDSA","typ":"at+jwt","kid":"k1","crit":["exp"]})",  // unknown critical ext
      R"(["alg","EdDSA"])",                                           // not an object
      R"("EdDSA")",                                                   // not an object
      R"({"alg":"EdDSA","typ":"at+jwt","kid":"k1",})",                // trailing comma
      R"({"alg":"EdDSA","typ":"at+jwt","kid":"k1"} x)",               // trailing garbage
      R"(/*c*/{"alg":"EdDSA","typ":"at+jwt","kid":"k1"})",            // comment
      "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"k\xff\"}",     // invalid UTF-8
      "not json at all",
      std::string(100, '[') + std::string(100, ']'),  // too deep
  };
  for (const std::string& header : headers) {
    EXPECT_EQ(VerifyError(SignedRaw(header, payload)), JwtErrc::kBadHeader) << header;
  }
}

TEST_F(JwtTest, MissingOrUnknownKid) {
  EXPECT_EQ(VerifyError(SignedRaw(R"({"alg":"EdDSA","typ":"at+jwt"})", json::serialize(Claims()))),
            JwtErrc::kBadHeader);
  EXPECT_EQ(VerifyError(SignJwt(key_, "retired", Claims())), JwtErrc::kUnknownKid);
  EXPECT_EQ(VerifyError(SignJwt(key_, "", Claims())), JwtErrc::kUnknownKid);
  // No lookup function at all.
  EXPECT_EQ(VerifyJwt(SignJwt(key_, "k1", Claims()), JwtKeyLookup{}, options_).error(),
            JwtErrc::kUnknownKid);
}

// ---- signature ---------------------------------------------------------------------------------

TEST_F(JwtTest, TamperedPayloadFails) {
  const std::string token = SignJwt(key_, "k1", Claims());
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = token.rfind('.');
  json::object escalated = Claims();
  escalated["roles"] = json::array{"user", "admin"};
  const std::string forged =
      token.substr(0, dot1 + 1) + B64(json::serialize(escalated)) + token.substr(dot2);
  EXPECT_EQ(VerifyError(forged), JwtErrc::kBadSignature);
}

TEST_F(JwtTest, TamperedHeaderFails) {
  // Same key under two kids: swapping the header must still break the signature.
  keys_["k1-alias"] = key_.public_key();
  const std::string token = SignJwt(key_, "k1", Claims());
  const std::string forged = B64(Header("k1-alias")) + token.substr(token.find('.'));
  EXPECT_EQ(VerifyError(forged), JwtErrc::kBadSignature);
}

TEST_F(JwtTest, BadSignatures) {
  const std::string token = SignJwt(key_, "k1", Claims());
  const std::string signing_input = token.substr(0, token.rfind('.'));
  std::string sig;
  ASSERT_TRUE(FromBase64Url(token.substr(token.rfind('.') + 1), sig));
  ASSERT_EQ(sig.size(), 64U);
  for (std::size_t i = 0; i < sig.size(); i += 7) {
    std::string flipped = sig;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    EXPECT_EQ(VerifyError(signing_input + "." + B64(flipped)), JwtErrc::kBadSignature) << i;
  }
  EXPECT_EQ(VerifyError(signing_input + "." + B64(sig.substr(0, 63))), JwtErrc::kBadSignature);
  EXPECT_EQ(VerifyError(signing_input + "." + B64(sig + "x")), JwtErrc::kBadSignature);
  EXPECT_EQ(VerifyError(signing_input + "."), JwtErrc::kBadSignature);
  EXPECT_EQ(VerifyError(signing_input + "." + B64(std::string(64, '\0'))), JwtErrc::kBadSignature);
  // Signed by another key that claims to be k1.
  EXPECT_EQ(VerifyError(SignJwt(other_, "k1", Claims())), JwtErrc::kBadSignature);
  // ... while that key under its own kid is fine.
  EXPECT_TRUE(Verify(SignJwt(other_, "other", Claims())));
}

// ---- time claims -------------------------------------------------------------------------------

TEST_F(JwtTest, ExpiryWithLeeway) {
  json::object claims = Claims();
  claims["exp"] = kNow - 29;
  EXPECT_TRUE(Verify(SignedClaims(claims)));
  claims["exp"] = kNow - 30;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kExpired);
  claims["exp"] = kNow - 3600;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kExpired);
  claims.erase("exp");
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kExpired);
  options_.leeway_seconds = 0;
  claims["exp"] = kNow;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kExpired);
  claims["exp"] = kNow + 1;
  EXPECT_TRUE(Verify(SignedClaims(claims)));
}

TEST_F(JwtTest, NotYetValidWithLeeway) {
  json::object claims = Claims();
  claims["nbf"] = kNow + 30;
  EXPECT_TRUE(Verify(SignedClaims(claims)));
  claims["nbf"] = kNow + 31;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kNotYetValid);
  claims["nbf"] = kNow;
  claims["iat"] = kNow + 600;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kNotYetValid);
  // nbf and iat are optional.
  claims.erase("nbf");
  claims.erase("iat");
  EXPECT_TRUE(Verify(SignedClaims(claims)));
}

TEST_F(JwtTest, TimeClaimsMustBeIntegers) {
  for (const char* name : {"exp", "nbf", "iat"}) {
    for (const json::value& bad :
         {json::value(1.7672256e9), json::value("1767226500"), json::value(nullptr),
          json::value(true), json::value(json::array{kNow}),
          json::value(std::uint64_t{18446744073709551615ULL})}) {
      json::object claims = Claims();
      claims[name] = bad;
      EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kMalformed)
          << name << " = " << json::serialize(bad);
    }
  }
  // Extreme but integral values do not overflow anything.
  json::object claims = Claims();
  claims["exp"] = std::numeric_limits<std::int64_t>::max();
  claims["nbf"] = std::numeric_limits<std::int64_t>::min();
  claims["iat"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(Verify(SignedClaims(claims)));
  claims["exp"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kExpired);
  // 1767226500.0 is a JSON double: not accepted even though it is a whole number.
  EXPECT_EQ(VerifyError(SignedRaw(Header(), R"({"iss":"https://auth.example.com","aud":"authd",)"
                                            R"("exp":1767226500.0})")),
            JwtErrc::kMalformed);
}

// ---- issuer and audience -----------------------------------------------------------------------

TEST_F(JwtTest, WrongIssuer) {
  json::object claims = Claims();
  claims["iss"] = "https://evil.example.com";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadIssuer);
  claims["iss"] = "https://auth.example.com/";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadIssuer);
  claims["iss"] = json::array{kIssuer};
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadIssuer);
  claims.erase("iss");
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadIssuer);
  // An unset expected issuer matches nothing, not everything.
  options_.issuer.clear();
  claims["iss"] = "";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadIssuer);
}

TEST_F(JwtTest, WrongAudience) {
  json::object claims = Claims();
  claims["aud"] = "someone-else";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  claims["aud"] = "AUTHD";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  claims["aud"] = 42;
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  claims.erase("aud");
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
  options_.audience.clear();
  claims["aud"] = "";
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kBadAudience);
}

// ---- shape -------------------------------------------------------------------------------------

TEST_F(JwtTest, WrongNumberOfParts) {
  const std::string token = SignJwt(key_, "k1", Claims());
  const std::string two_parts = token.substr(0, token.rfind('.'));
  EXPECT_EQ(VerifyError(two_parts), JwtErrc::kMalformed);
  EXPECT_EQ(VerifyError(token + ".xyz"), JwtErrc::kMalformed);
  EXPECT_EQ(VerifyError(token + "."), JwtErrc::kMalformed);
  EXPECT_EQ(VerifyError(token.substr(0, token.find('.'))), JwtErrc::kMalformed);
  for (const std::string& bad : {""s, "."s, ".."s, "..."s, "a"s, "a.b"s, "a.b.c.d"s,
                                 "." + token.substr(token.find('.') + 1)}) {
    EXPECT_EQ(VerifyError(bad), JwtErrc::kMalformed) << bad;
  }
  // Empty payload part.
  EXPECT_EQ(VerifyError(B64(Header()) + ".." + token.substr(token.rfind('.') + 1)),
            JwtErrc::kMalformed);
}

TEST_F(JwtTest, NonBase64Garbage) {
  const std::string token = SignJwt(key_, "k1", Claims());
  for (const std::string& bad :
       {"!!!.@@@.###"s, "a b.c d.e f"s, token + "="s, " " + token, token + " "s, token + "\n"s,
        "eyJ=.eyJ=.abc="s,
        token.substr(0, token.find('.')) + "+/." + token.substr(token.find('.') + 1),
        "\xff\xfe.\xff\xfe.\xff\xfe"s, "a\0b.c.d"s}) {
    EXPECT_EQ(VerifyError(bad), JwtErrc::kMalformed) << testing::PrintToString(bad);
  }
}

TEST_F(JwtTest, HugeInputIsRejectedBeforeDecoding) {
  EXPECT_EQ(VerifyError(std::string(1 << 20, 'A')), JwtErrc::kMalformed);
  const std::string huge_parts =
      std::string(400'000, 'e') + "." + std::string(400'000, 'e') + "." + std::string(400'000, 'e');
  EXPECT_EQ(VerifyError(huge_parts), JwtErrc::kMalformed);
  // A genuine, correctly signed token over the limit is refused too.
  json::object claims = Claims();
  claims["pad"] = std::string(options_.max_token_bytes, 'p');
  EXPECT_EQ(VerifyError(SignedClaims(claims)), JwtErrc::kMalformed);
}

TEST_F(JwtTest, PayloadMustBeAJsonObject) {
  for (const std::string& payload :
       {"[1,2,3]"s, "\"claims\""s, "42"s, "null"s, "not json"s, R"({"exp":1})" + "x"s,
        std::string(100, '[') + std::string(100, ']')}) {
    EXPECT_EQ(VerifyError(SignedRaw(Header(), payload)), JwtErrc::kMalformed) << payload;
  }
}

TEST(JwtErrorTest, CategoryAndMessages) {
  const ErrorCode ec = JwtErrc::kExpired;
  EXPECT_EQ(ec.category().name(), std::string("authd.jwt"));
  EXPECT_EQ(ec.message(), "token expired");
  EXPECT_EQ(ec, JwtErrc::kExpired);
  EXPECT_NE(ec, JwtErrc::kBadSignature);
  EXPECT_FALSE(ErrorCode(JwtErrc::kOk));
}

}  // namespace
}  // namespace authd::core
