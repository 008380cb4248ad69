// API key rows and commands against a real event log in a temp folder.
#include "projections/api_keys.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "projections/event_render.hpp"
#include "projections/session_table.hpp"
#include "projections/user_table.hpp"
#include "storage/verify.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::projections {
namespace {

using storage::test_support::FixedMasterKey;
using storage::test_support::TempDir;

constexpr core::Micros kHour = 3600LL * 1'000'000;

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<UserTable>());
    projections.push_back(std::make_unique<SessionTable>());
    projections.push_back(std::make_unique<ApiKeyTable>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    auto log = storage::EventLog::Open(options, FixedMasterKey(), clock_, std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
    for (const auto* name : {"alice", "bob"}) {
      ASSERT_TRUE(Run(users_.SignUp({.id = std::string("usr_") + name,
                                     .username = name,
                                     .email = std::string(name) + "@example.com",
                                     .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aA",
                                     .roles = {"user"}},
                                    {})));
    }
  }

  Result<storage::Committed> Run(storage::DecideFn fn) { return log_->Execute(std::move(fn)); }

  NewApiKey Key(std::string id, std::string user = "usr_alice", core::Micros expires = 0) {
    return {.id = std::move(id),
            .user_id = std::move(user),
            .name = "ci deploys",
            .scopes = {"users:read"},
            .expires_at = expires,
            .hash = "hash-of-" + std::to_string(next_secret_++)};
  }

  std::optional<std::string> OwnerOfHash(const std::string& hash) {
    auto row = log_->Get(kApiKeysFamily, ApiKeyHashKey(hash));
    EXPECT_TRUE(row);
    return row ? *row : std::nullopt;
  }

  std::optional<ApiKeyRecord> Record(const std::string& id) {
    auto row = log_->Get(kApiKeysFamily, ApiKeyKey(id));
    if (!row || !*row) return std::nullopt;
    auto k = DecodeApiKeyRecord(**row);
    EXPECT_TRUE(k);
    return k ? std::optional<ApiKeyRecord>(*k) : std::nullopt;
  }

  void ExpectRebuildEqual() {
    ApiKeyTable fresh;
    auto same = storage::VerifyProjection(*log_, fresh);
    ASSERT_TRUE(same);
    EXPECT_TRUE(same->equal) << same->difference;
  }

  TempDir dir_;
  core::ManualClock clock_;
  UserCommands users_{DeriveKey(FixedMasterKey(), "unique-index")};
  ApiKeyCommands keys_;
  std::unique_ptr<storage::EventLog> log_;
  int next_secret_ = 0;
};

TEST_F(ApiKeysTest, CreatedKeyIsFoundByItsHashAndTheHashIsRedactedInTheAuditView) {
  const auto key = Key("key_1");
  auto committed = Run(keys_.Create(key, {.actor = "usr_alice"}));
  ASSERT_TRUE(committed);
  ASSERT_EQ(committed->size(), 1U);
  EXPECT_EQ(committed->front().type, core::events::kApiKeyCreated);
  EXPECT_EQ(OwnerOfHash(key.hash), "key_1");
  auto record = Record("key_1");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->user_id, "usr_alice");
  EXPECT_EQ(record->scopes, std::vector<std::string>{"users:read"});
  EXPECT_EQ(record->created_at, clock_.NowMicros());

  auto rendered = boost::json::serialize(RenderEvent(committed->front(), *log_));
  EXPECT_EQ(rendered.find(key.hash), std::string::npos) << rendered;
  ExpectRebuildEqual();
}

TEST_F(ApiKeysTest, RotationKillsTheOldSecretAtOnce) {
  const auto key = Key("key_1");
  ASSERT_TRUE(Run(keys_.Create(key, {})));
  ASSERT_TRUE(Run(keys_.Rotate("usr_alice", "key_1", "fresh-hash", {})));
  EXPECT_EQ(OwnerOfHash(key.hash), std::nullopt);
  EXPECT_EQ(OwnerOfHash("fresh-hash"), "key_1");
  EXPECT_EQ(Record("key_1")->rotated_at, clock_.NowMicros());
  ExpectRebuildEqual();
}

TEST_F(ApiKeysTest, OnlyTheOwnerCanRotateOrRevoke) {
  ASSERT_TRUE(Run(keys_.Create(Key("key_1"), {})));
  auto rotate = Run(keys_.Rotate("usr_bob", "key_1", "stolen", {}));
  ASSERT_FALSE(rotate);
  EXPECT_EQ(rotate.error(), core::Errc::kNotFound);
  auto revoke = Run(keys_.Revoke("usr_bob", "key_1", {}));
  ASSERT_FALSE(revoke);
  EXPECT_EQ(revoke.error(), core::Errc::kNotFound);
  EXPECT_TRUE(Record("key_1"));
  EXPECT_EQ(OwnerOfHash("stolen"), std::nullopt);
}

TEST_F(ApiKeysTest, RevokedKeyIsGoneEverywhere) {
  const auto key = Key("key_1");
  ASSERT_TRUE(Run(keys_.Create(key, {})));
  ASSERT_TRUE(Run(keys_.Revoke("usr_alice", "key_1", {})));
  EXPECT_EQ(OwnerOfHash(key.hash), std::nullopt);
  EXPECT_FALSE(Record("key_1"));
  auto again = Run(keys_.Revoke("usr_alice", "key_1", {}));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), core::Errc::kNotFound);
  ExpectRebuildEqual();
}

TEST_F(ApiKeysTest, ExpiredKeyCannotBeRotatedBackToLife) {
  ASSERT_TRUE(Run(keys_.Create(Key("key_1", "usr_alice", clock_.NowMicros() + kHour), {})));
  clock_.Advance(kHour);
  auto rotate = Run(keys_.Rotate("usr_alice", "key_1", "fresh", {}));
  ASSERT_FALSE(rotate);
  EXPECT_EQ(rotate.error(), core::Errc::kNotFound);
  EXPECT_TRUE(Record("key_1")->ExpiredAt(clock_.NowMicros()));
}

TEST_F(ApiKeysTest, KeysDieWithTheirUser) {
  const auto a = Key("key_a");
  const auto b = Key("key_b");
  const auto bobs = Key("key_bob", "usr_bob");
  ASSERT_TRUE(Run(keys_.Create(a, {})));
  ASSERT_TRUE(Run(keys_.Create(b, {})));
  ASSERT_TRUE(Run(keys_.Create(bobs, {})));
  ASSERT_TRUE(Run(users_.Delete("usr_alice", {})));
  EXPECT_EQ(OwnerOfHash(a.hash), std::nullopt);
  EXPECT_EQ(OwnerOfHash(b.hash), std::nullopt);
  EXPECT_FALSE(Record("key_a"));
  EXPECT_EQ(OwnerOfHash(bobs.hash), "key_bob");
  auto row = log_->Get(kApiKeysFamily, UserApiKeysKey("usr_alice"));
  ASSERT_TRUE(row);
  EXPECT_FALSE(*row);
  ExpectRebuildEqual();
}

TEST_F(ApiKeysTest, CreateRefusesUnknownUsersTakenIdsAndTooManyKeys) {
  auto unknown = Run(keys_.Create(Key("key_x", "usr_nobody"), {}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), core::Errc::kNotFound);

  ASSERT_TRUE(Run(keys_.Create(Key("key_1"), {})));
  auto taken = Run(keys_.Create(Key("key_1", "usr_bob"), {}));
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error(), core::Errc::kConflict);

  for (std::size_t i = 1; i < kMaxApiKeysPerUser; ++i) {
    ASSERT_TRUE(Run(keys_.Create(Key("key_n" + std::to_string(i)), {})));
  }
  auto over = Run(keys_.Create(Key("key_over"), {}));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), core::Errc::kConflict);
}

}  // namespace
}  // namespace authd::projections
