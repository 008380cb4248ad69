// Access tokens, checked from outside: a token verifies with libsodium alone against the JWKS
// (no authd code involved), carries the claims of API.md, and every forgery or mangling of it is
// refused with 401.
#include <gtest/gtest.h>
#include <sodium.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <thread>

#include "tests/integration/api_client.hpp"

namespace authd::test {
namespace {

constexpr int kB64 = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

std::optional<std::string> B64UrlDecode(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, kB64) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string B64UrlEncode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), kB64), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kB64);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::string B64Json(const json::value& v) {
  return B64UrlEncode(json::serialize(v));
}

struct Jws {
  std::string header_b64;
  std::string payload_b64;
  std::string signature_b64;
  json::object header;
  json::object claims;
  std::string signature;  // raw bytes

  [[nodiscard]] std::string SigningInput() const { return header_b64 + "." + payload_b64; }
};

std::optional<Jws> SplitJws(const std::string& token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos || token.find('.', b + 1) != token.npos) {
    return std::nullopt;
  }
  Jws j{token.substr(0, a), token.substr(a + 1, b - a - 1), token.substr(b + 1), {}, {}, {}};
  auto header = B64UrlDecode(j.header_b64);
  auto payload = B64UrlDecode(j.payload_b64);
  auto signature = B64UrlDecode(j.signature_b64);
  if (!header || !payload || !signature) return std::nullopt;
  boost::system::error_code ec;
  auto h = json::parse(*header, ec);
  if (ec || !h.is_object()) return std::nullopt;
  auto p = json::parse(*payload, ec);
  if (ec || !p.is_object()) return std::nullopt;
  j.header = h.as_object();
  j.claims = p.as_object();
  j.signature = std::move(*signature);
  return j;
}

// An Ed25519 key of our own (the attacker's).
struct AttackerKey {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  unsigned char sk[crypto_sign_SECRETKEYBYTES];
  AttackerKey() { crypto_sign_keypair(pk, sk); }

  [[nodiscard]] std::string Sign(const json::object& header, const json::object& claims) const {
    const std::string input = B64Json(header) + "." + B64Json(claims);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(input.data()),
                         input.size(), sk);
    return input + "." + B64UrlEncode(std::string_view(reinterpret_cast<char*>(sig), sizeof sig));
  }
};

std::string HmacSha256(std::string_view key, std::string_view message) {
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return {reinterpret_cast<char*>(mac), sizeof mac};
}

class TokenTest : public ServerSuite<TokenTest> {
 public:
  static ServerSpec Spec() { return {}; }
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    ServerSuite<TokenTest>::SetUpTestSuite();
  }

 protected:
  // kid -> the raw 32-byte public key, from the JWKS.
  std::map<std::string, std::string> Jwks() {
    auto res = api().Get("/.well-known/jwks.json");
    EXPECT_EQ(res.result_int(), 200U) << res.body();
    std::map<std::string, std::string> keys;
    auto doc = JsonObject(res);
    const auto* list = doc.if_contains("keys");
    EXPECT_TRUE(list != nullptr && list->is_array()) << res.body();
    if (list == nullptr || !list->is_array()) return keys;
    for (const auto& k : list->as_array()) {
      const auto& o = k.as_object();
      EXPECT_EQ(Str(o, "kty"), "OKP");
      EXPECT_EQ(Str(o, "crv"), "Ed25519");
      if (o.contains("alg")) {
        EXPECT_EQ(Str(o, "alg"), "EdDSA");
      }
      EXPECT_FALSE(o.contains("d")) << "the JWKS publishes a private key";
      auto x = B64UrlDecode(Str(o, "x"));
      EXPECT_TRUE(x && x->size() == crypto_sign_PUBLICKEYBYTES) << Str(o, "x");
      if (x) keys[Str(o, "kid")] = *x;
    }
    return keys;
  }

  // 401 invalid_token for `token`, while the genuine `control` still answers 200.
  void ExpectRefused(const std::string& token, const std::string& control,
                     const std::string& what) {
    SCOPED_TRACE(what);
    auto res = api().GetWithAuthorization("/v1/users/me", "Bearer " + token);
    ExpectProblem(res, 401, "invalid_token");
    if (token.size() >= 16) ExpectNoEcho(res, token);
    EXPECT_EQ(api().Get("/v1/users/me", control).result_int(), 200U);
  }
};

TEST_F(TokenTest, AccessTokenVerifiesWithLibsodiumAgainstTheJwks) {
  Account a = NewUser(api(), "jws");
  auto keys = Jwks();
  ASSERT_FALSE(keys.empty());

  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value()) << a.access;
  EXPECT_EQ(Str(jws->header, "alg"), "EdDSA");
  EXPECT_EQ(Str(jws->header, "typ"), "at+jwt");
  const std::string kid = Str(jws->header, "kid");
  ASSERT_TRUE(keys.contains(kid)) << "kid " << kid << " is not in the JWKS";
  const std::string& pk = keys[kid];
  ASSERT_EQ(jws->signature.size(), crypto_sign_BYTES);

  const std::string input = jws->SigningInput();
  const auto verify = [&](const std::string& message) {
    return crypto_sign_verify_detached(
               reinterpret_cast<const unsigned char*>(jws->signature.data()),
               reinterpret_cast<const unsigned char*>(message.data()), message.size(),
               reinterpret_cast<const unsigned char*>(pk.data())) == 0;
  };
  EXPECT_TRUE(verify(input));
  std::string flipped = input;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(verify(flipped));  // the check above is not vacuous

  const auto& c = jws->claims;
  for (const char* claim :
       {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "sid", "roles", "amr"}) {
    EXPECT_TRUE(c.contains(claim)) << claim << " missing: " << json::serialize(c);
  }
  EXPECT_EQ(Str(c, "iss"), "authd");
  EXPECT_EQ(Str(c, "sub"), a.id);
  const auto& aud = c.at("aud");
  EXPECT_TRUE((aud.is_string() && aud.as_string() == "authd") ||
              (aud.is_array() && std::find(aud.as_array().begin(), aud.as_array().end(),
                                           json::value("authd")) != aud.as_array().end()))
      << aud;
  EXPECT_EQ(Str(c, "sid"), a.session_id);
  EXPECT_FALSE(Str(c, "jti").empty());
  ASSERT_TRUE(c.at("exp").is_int64() && c.at("iat").is_int64() && c.at("nbf").is_int64());
  const std::int64_t now = std::time(nullptr);
  EXPECT_NEAR(static_cast<double>(c.at("iat").as_int64()), static_cast<double>(now), 60.0);
  EXPECT_EQ(c.at("exp").as_int64() - c.at("iat").as_int64(), 15 * 60);
  EXPECT_LE(c.at("nbf").as_int64(), c.at("iat").as_int64());
  ASSERT_TRUE(c.at("roles").is_array());
  EXPECT_EQ(json::serialize(c.at("roles")), R"(["user"])");
  ASSERT_TRUE(c.at("amr").is_array());
  EXPECT_EQ(json::serialize(c.at("amr")), R"(["pwd"])");

  // Every token has its own jti.
  Account again = a;
  LogIn(api(), again);
  auto other = SplitJws(again.access);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE(Str(other->claims, "jti"), Str(c, "jti"));
}

TEST_F(TokenTest, TamperedPayloadIsRefused) {
  Account a = NewUser(api(), "tamper");
  Account victim = NewUser(api(), "tampered");
  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value());

  json::object admin_claims = jws->claims;
  admin_claims["roles"] = json::array{"admin", "user"};
  const std::string as_admin =
      jws->header_b64 + "." + B64Json(admin_claims) + "." + jws->signature_b64;
  ExpectRefused(as_admin, a.access, "roles: [admin]");
  EXPECT_EQ(api().Get("/v1/users", as_admin).result_int(), 401U);

  json::object other_sub = jws->claims;
  other_sub["sub"] = victim.id;
  other_sub["sid"] = victim.session_id;
  ExpectRefused(jws->header_b64 + "." + B64Json(other_sub) + "." + jws->signature_b64, a.access,
                "sub of another user");

  json::object later = jws->claims;
  later["exp"] = later.at("exp").as_int64() + 86400;
  ExpectRefused(jws->header_b64 + "." + B64Json(later) + "." + jws->signature_b64, a.access,
                "exp pushed back");

  // One flipped bit of the signature.
  std::string sig = jws->signature;
  sig[0] ^= 1;
  ExpectRefused(jws->SigningInput() + "." + B64UrlEncode(sig), a.access, "signature bit");
  // Signature stripped.
  ExpectRefused(jws->SigningInput() + ".", a.access, "no signature");
  ExpectRefused(jws->SigningInput(), a.access, "two parts");
}

TEST_F(TokenTest, AlgNoneIsRefused) {
  Account a = NewUser(api(), "algnone");
  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value());
  json::object admin_claims = jws->claims;
  admin_claims["roles"] = json::array{"admin", "user"};
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    json::object header = jws->header;
    header["alg"] = alg;
    const std::string input = B64Json(header) + "." + jws->payload_b64;
    ExpectRefused(input + ".", a.access, std::string("alg ") + alg + ", empty signature");
    ExpectRefused(input + "." + jws->signature_b64, a.access,
                  std::string("alg ") + alg + ", original signature");
    ExpectRefused(B64Json(header) + "." + B64Json(admin_claims) + ".", a.access,
                  std::string("alg ") + alg + ", admin claims");
  }
  json::object no_alg = jws->header;
  no_alg.erase("alg");
  ExpectRefused(B64Json(no_alg) + "." + jws->payload_b64 + "." + jws->signature_b64, a.access,
                "no alg");
}

TEST_F(TokenTest, Hs256WithThePublicKeyAsSecretIsRefused) {
  Account a = NewUser(api(), "hs256");
  auto keys = Jwks();
  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value());
  const std::string kid = Str(jws->header, "kid");
  ASSERT_TRUE(keys.contains(kid));
  const std::string& pk = keys[kid];
  ASSERT_EQ(pk.size(), crypto_auth_hmacsha256_KEYBYTES);

  json::object admin_claims = jws->claims;
  admin_claims["roles"] = json::array{"admin", "user"};
  for (const char* alg : {"HS256", "HS512", "hs256"}) {
    json::object header = jws->header;
    header["alg"] = alg;
    for (const auto* claims : {&jws->claims, &admin_claims}) {
      const std::string input = B64Json(header) + "." + B64Json(*claims);
      // The raw key bytes, and the JWK's "x" text, as HMAC secrets.
      unsigned char mac[crypto_auth_hmacsha256_BYTES];
      crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(input.data()),
                             input.size(), reinterpret_cast<const unsigned char*>(pk.data()));
      ExpectRefused(
          input + "." + B64UrlEncode(std::string_view(reinterpret_cast<char*>(mac), sizeof mac)),
          a.access, std::string(alg) + " keyed with the public key bytes");
      ExpectRefused(input + "." + B64UrlEncode(HmacSha256(B64UrlEncode(pk), input)), a.access,
                    std::string(alg) + " keyed with the JWK x text");
    }
  }
}

TEST_F(TokenTest, KeysTheServerDoesNotHoldAreRefused) {
  Account a = NewUser(api(), "kid");
  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value());
  AttackerKey attacker;
  const std::string attacker_x =
      B64UrlEncode(std::string_view(reinterpret_cast<char*>(attacker.pk), sizeof attacker.pk));

  json::object unknown_kid = jws->header;
  unknown_kid["kid"] = "key_attacker";
  ExpectRefused(attacker.Sign(unknown_kid, jws->claims), a.access, "unknown kid, own key");
  ExpectRefused(B64Json(unknown_kid) + "." + jws->payload_b64 + "." + jws->signature_b64, a.access,
                "unknown kid, original signature");
  json::object no_kid = jws->header;
  no_kid.erase("kid");
  ExpectRefused(B64Json(no_kid) + "." + jws->payload_b64 + "." + jws->signature_b64, a.access,
                "no kid");

  // The server's kid, the attacker's signature.
  ExpectRefused(attacker.Sign(jws->header, jws->claims), a.access, "right kid, wrong key");

  // The attacker's key embedded in the header (jwk), with either kid.
  for (const std::string& kid : {Str(jws->header, "kid"), std::string("key_attacker")}) {
    json::object embedded = jws->header;
    embedded["kid"] = kid;
    embedded["jwk"] = json::object{{"kty", "OKP"}, {"crv", "Ed25519"}, {"x", attacker_x}};
    ExpectRefused(attacker.Sign(embedded, jws->claims), a.access, "embedded jwk, kid " + kid);
  }
}

TEST_F(TokenTest, GarbageAndWrongSchemesAreRefused) {
  Account a = NewUser(api(), "garbage");
  for (const std::string& token :
       {std::string("garbage"), std::string("a.b.c"), std::string(".."), std::string("..."),
        std::string("!!!.###.$$$"), std::string(7000, 'a'), a.access + ".extra", a.access + "x",
        "x" + a.access, std::string("eyJhbGciOiJFZERTQSJ9")}) {
    ExpectRefused(token, a.access, "garbage: " + token.substr(0, 40));
  }
  const std::vector<std::string> headers = {"Bearer",
                                            "Bearer ",
                                            "Bearer    ",
                                            "Basic YWRtaW46Y29ycmVjdCBob3JzZQ==",
                                            "Token " + a.access,
                                            "Basic " + a.access,
                                            a.access,
                                            ""};
  for (const auto& h : headers) {
    SCOPED_TRACE("Authorization: " + h.substr(0, 30));
    auto res = api().GetWithAuthorization("/v1/users/me", h);
    ExpectProblem(res, 401, "invalid_token");
  }
  EXPECT_EQ(api().Get("/v1/users/me", a.access).result_int(), 200U);
}

TEST_F(TokenTest, TokenOfAnotherServerIsRefused) {
  AuthdServer other;
  ASSERT_TRUE(other.ok()) << other.error();
  Api there(other.port());
  Account stranger = NewUser(there, "elsewhere");
  ASSERT_EQ(there.Get("/v1/users/me", stranger.access).result_int(), 200U);

  Account local = NewUser(api(), "local");
  ExpectRefused(stranger.access, local.access, "token of another instance");
  // And the other way round.
  auto back = there.Get("/v1/users/me", local.access);
  ExpectProblem(back, 401, "invalid_token");
}

// ---- Expiry ---------------------------------------------------------------------------------

// Sleeps until just after the next whole second of wall-clock time.
void WaitForTopOfSecond() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto next = floor<seconds>(now) + seconds(1) + milliseconds(10);
  std::this_thread::sleep_for(next - now);
}

class TokenExpiryTest : public ServerSuite<TokenExpiryTest> {
 public:
  // Three seconds, not one: exp = iat + ttl in whole seconds, so a token lives between ttl - 1 and
  // ttl seconds, and a one-second token issued late in a second could expire in transit.
  static ServerSpec Spec() { return {.flags = {"--access-ttl", "3"}}; }
};

TEST_F(TokenExpiryTest, ExpiredAccessTokenIsRefused) {
  Account a = SignUp(api(), "expiry");
  auto login = LogIn(api(), a);
  ASSERT_EQ(login.result_int(), 200U);
  EXPECT_EQ(JsonObject(login).at("expires_in").as_int64(), 3);
  auto jws = SplitJws(a.access);
  ASSERT_TRUE(jws.has_value());
  EXPECT_EQ(jws->claims.at("exp").as_int64() - jws->claims.at("iat").as_int64(), 3);

  // The lifetime is wall-clock time in another process: waiting is the only way.
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));
  auto res = api().Get("/v1/users/me", a.access);
  ExpectProblem(res, 401, "token_expired");

  // A refresh gives a token that works again. Starting at the top of a second gives it almost
  // three seconds for the refresh and the request that uses it.
  WaitForTopOfSecond();
  auto refreshed =
      api().Send("POST", "/v1/sessions/refresh", json::object{{"refresh_token", a.refresh}});
  ASSERT_EQ(refreshed.result_int(), 200U) << refreshed.body();
  EXPECT_EQ(api().Get("/v1/users/me", Str(JsonObject(refreshed), "access_token")).result_int(),
            200U);
}

}  // namespace
}  // namespace authd::test
