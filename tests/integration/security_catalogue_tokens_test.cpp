// Security catalogue, tokens (OWASP ASVS 4.0.3 V3.1, V3.2, V3.5, V6.4, V8.2): forged, altered and
// misplaced access tokens are refused; fresh tokens are random and never cached or logged.
#include <gtest/gtest.h>
#include <sodium.h>

#include "tests/integration/security_catalogue.hpp"

namespace authd::test {
namespace {

constexpr int kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::string B64(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kB64), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kB64);
  out.resize(out.size() - 1);
  return out;
}

std::string UnB64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, kB64) != 0) {
    return {};
  }
  out.resize(len);
  return out;
}

// The three parts of a compact JWS.
struct Parts {
  std::string header, payload, signature;
};
Parts Split(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1)};
}
json::object Decode(const std::string& part) {
  return json::parse(UnB64(part)).as_object();
}

class SecTokens : public ServerSuite<SecTokens> {
 public:
  static ServerSpec Spec() { return {}; }
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    ServerSuite<SecTokens>::SetUpTestSuite();
  }

 protected:
  static void ExpectRefused(const std::string& token) {
    auto res = api().Get("/v1/users/me", token);
    EXPECT_EQ(res.result_int(), 401U) << token << ": " << res.body();
    EXPECT_FALSE(res["WWW-Authenticate"].empty());
  }
};

// ASVS V3.5.3: a token claiming `alg: none` without a signature is refused.
TEST_F(SecTokens, V3_5_3_AlgNoneIsRefused) {
  Account a = NewUser(api(), "tok");
  auto p = Split(a.access);
  auto header = Decode(p.header);
  header["alg"] = "none";
  ExpectRefused(B64(json::serialize(header)) + "." + p.payload + ".");
  ExpectRefused(B64(json::serialize(header)) + "." + p.payload + "." + p.signature);
}

// ASVS V3.5.3: changing a claim (roles, subject) breaks the signature.
TEST_F(SecTokens, V3_5_3_AlteredClaimsAreRefused) {
  Account a = NewUser(api(), "tok");
  Account b = NewUser(api(), "tok");
  auto p = Split(a.access);
  auto claims = Decode(p.payload);
  claims["roles"] = json::array{"admin", "user"};
  ExpectRefused(p.header + "." + B64(json::serialize(claims)) + "." + p.signature);
  claims = Decode(p.payload);
  claims["sub"] = b.id;
  ExpectRefused(p.header + "." + B64(json::serialize(claims)) + "." + p.signature);
  claims = Decode(p.payload);
  claims["exp"] = claims["exp"].as_int64() + 86400;
  ExpectRefused(p.header + "." + B64(json::serialize(claims)) + "." + p.signature);
}

// ASVS V3.5.3: a token without its signature, or with one byte of it changed, is refused.
TEST_F(SecTokens, V3_5_3_MissingOrDamagedSignatureIsRefused) {
  Account a = NewUser(api(), "tok");
  auto p = Split(a.access);
  ExpectRefused(p.header + "." + p.payload + ".");
  ExpectRefused(p.header + "." + p.payload);
  std::string sig = UnB64(p.signature);
  ASSERT_FALSE(sig.empty());
  sig[5] = static_cast<char>(sig[5] ^ 1);
  ExpectRefused(p.header + "." + p.payload + "." + B64(sig));
}

// ASVS V3.5.3: algorithm confusion: HS256 with the server's public key as the secret.
TEST_F(SecTokens, V3_5_3_Hs256WithThePublicKeyIsRefused) {
  Account a = NewUser(api(), "tok");
  auto jwks = JsonObject(api().Get("/.well-known/jwks.json"));
  const std::string x = Str(jwks.at("keys").as_array().at(0).as_object(), "x");
  auto p = Split(a.access);
  auto header = Decode(p.header);
  header["alg"] = "HS256";
  const std::string input = B64(json::serialize(header)) + "." + p.payload;
  for (const std::string& secret : {UnB64(x), x}) {
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                                secret.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(input.data()),
                                  input.size());
    crypto_auth_hmacsha256_final(&st, mac);
    ExpectRefused(input + "." + B64(std::string_view(reinterpret_cast<char*>(mac), sizeof mac)));
  }
}

// ASVS V3.5.3: a token signed by a key the server does not hold (the attacker's own Ed25519
// key, with the server's kid) is refused.
TEST_F(SecTokens, V3_5_3_ForeignSigningKeyIsRefused) {
  Account a = NewUser(api(), "tok");
  auto p = Split(a.access);
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  crypto_sign_keypair(pk, sk);
  const std::string input = p.header + "." + p.payload;
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size(), sk);
  ExpectRefused(input + "." + B64(std::string_view(reinterpret_cast<char*>(sig), sizeof sig)));
}

// ASVS V3.5.3: garbage, other schemes and extra parts are refused without a 500.
TEST_F(SecTokens, V3_5_3_MalformedAuthorizationIsRefused) {
  Account a = NewUser(api(), "tok");
  for (const std::string& value :
       {std::string("Bearer"), std::string("Bearer "), std::string("Bearer a.b.c"),
        "Basic " + B64(a.username + ":" + a.password), "Bearer " + a.access + ".x",
        "Bearer " + a.access + " " + a.access, "Token " + a.access,
        "Bearer " + std::string(6000, 'A')}) {
    auto res = api().GetWithAuthorization("/v1/users/me", value);
    EXPECT_EQ(res.result_int(), 401U) << value.substr(0, 40) << ": " << res.body();
  }
}

// ASVS V3.1.1: tokens are never taken from the URL (where logs and referrers would keep them).
TEST_F(SecTokens, V3_1_1_TokenInTheQueryStringIsIgnored) {
  Account a = NewUser(api(), "tok");
  EXPECT_EQ(api().Get("/v1/users/me?access_token=" + a.access).result_int(), 401U);
  EXPECT_EQ(api().Get("/v1/users/me?token=" + a.access).result_int(), 401U);
}

// ASVS V3.2.1: every login makes a new session with new tokens.
TEST_F(SecTokens, V3_2_1_EveryLoginGetsNewTokens) {
  Account a = NewUser(api(), "tok");
  Account b = a;
  LogIn(api(), b);
  EXPECT_NE(a.session_id, b.session_id);
  EXPECT_NE(a.access, b.access);
  EXPECT_NE(a.refresh, b.refresh);
}

// ASVS V3.2.2: refresh tokens carry at least 128 random bits (22+ base64url characters) and
// share no long common prefix between logins.
TEST_F(SecTokens, V3_2_2_RefreshTokensAreLongAndRandom) {
  Account a = NewUser(api(), "tok");
  Account b = a;
  LogIn(api(), b);
  EXPECT_GE(a.refresh.size(), 22U);
  std::size_t common = 0;
  while (common < a.refresh.size() && a.refresh[common] == b.refresh[common])
    ++common;
  EXPECT_LT(common, a.refresh.size() / 2) << a.refresh << " / " << b.refresh;
}

// ASVS V6.4.1 (key material): the JWKS publishes public Ed25519 keys only.
TEST_F(SecTokens, V6_4_1_JwksHoldsNoPrivateKey) {
  auto res = api().Get("/.well-known/jwks.json");
  ASSERT_EQ(res.result_int(), 200U);
  auto keys = JsonObject(res).at("keys").as_array();
  ASSERT_FALSE(keys.empty());
  for (const auto& k : keys) {
    EXPECT_EQ(Str(k.as_object(), "kty"), "OKP");
    EXPECT_EQ(Str(k.as_object(), "crv"), "Ed25519");
    EXPECT_FALSE(k.as_object().contains("d")) << json::serialize(k);
  }
}

// ASVS V8.2.1: responses holding tokens or user data are not cached.
TEST_F(SecTokens, V8_2_1_TokenResponsesAreNotCached) {
  Account a = SignUp(api(), "tok");
  auto login = LogIn(api(), a);
  EXPECT_EQ(login["Cache-Control"], "no-store");
  EXPECT_EQ(api().Get("/v1/users/me", a.access)["Cache-Control"], "no-store");
}

// ASVS V7.1.1: access and refresh tokens never reach the server's log.
TEST_F(SecTokens, V7_1_1_TokensNeverReachTheLog) {
  Account a = NewUser(api(), "tok");
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
  auto refreshed =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}});
  EXPECT_EQ(refreshed.result_int(), 200U);
  const std::string log = server().Log();
  EXPECT_EQ(log.find(Split(a.access).signature), std::string::npos);
  EXPECT_EQ(log.find(a.refresh), std::string::npos);
}

}  // namespace
}  // namespace authd::test
