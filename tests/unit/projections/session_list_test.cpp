// The sessions projection's per-user list ("u/" rows): kept in login order through logins,
// revocations and deletion, and gone when the user has no session left.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/event.hpp"
#include "core/event_types.hpp"
#include "projections/session_table.hpp"
#include "storage/memory_store.hpp"

namespace authd::projections {
namespace {

namespace ev = core::events;
using Ids = std::vector<std::string>;

core::Event SessionEvent(std::string_view type, std::string_view user, std::string_view session) {
  core::Event e;
  e.type = std::string(type);
  e.stream = std::string(user);
  e.at = 1'000'000;
  e.data["session_id"] = session;
  if (type == ev::kUserLoginSucceeded) {
    e.data["expires_at"] = 2'000'000;
    e.data["refresh_hash"] = "hash-" + std::string(session);
  }
  return e;
}

class SessionListTest : public ::testing::Test {
 protected:
  void Apply(std::string_view type, std::string_view user, std::string_view session) {
    ASSERT_TRUE(table_.Apply(SessionEvent(type, user, session), store_));
  }
  Ids List(std::string_view user) {
    auto row = store_.Get(UserSessionsKey(user));
    EXPECT_TRUE(row);
    if (!row || !*row) return {};
    auto ids = DecodeSessionList(**row);
    EXPECT_TRUE(ids) << **row;
    return ids ? *ids : Ids{};
  }
  bool HasRow(std::string_view user) {
    auto row = store_.Get(UserSessionsKey(user));
    return row && row->has_value();
  }

  SessionTable table_;
  storage::MemoryProjectionStore store_;
};

TEST_F(SessionListTest, LoginsAppendAndRevocationsRemoveInPlace) {
  for (const auto* id : {"ses_a", "ses_b", "ses_c", "ses_d"})
    Apply(ev::kUserLoginSucceeded, "usr_1", id);
  Apply(ev::kUserLoginSucceeded, "usr_2", "ses_x");
  EXPECT_EQ(List("usr_1"), (Ids{"ses_a", "ses_b", "ses_c", "ses_d"}));

  Apply(ev::kSessionRevoked, "usr_1", "ses_b");  // the middle
  Apply(ev::kSessionRevoked, "usr_1", "ses_a");  // the oldest
  Apply(ev::kSessionRevoked, "usr_1", "ses_d");  // the newest
  EXPECT_EQ(List("usr_1"), (Ids{"ses_c"}));
  // Revoking what is already gone changes nothing.
  Apply(ev::kSessionRevoked, "usr_1", "ses_b");
  EXPECT_EQ(List("usr_1"), (Ids{"ses_c"}));
  EXPECT_EQ(List("usr_2"), (Ids{"ses_x"}));

  Apply(ev::kSessionRevoked, "usr_1", "ses_c");
  EXPECT_FALSE(HasRow("usr_1")) << "a user with no session keeps no row";
  auto gone = store_.Get(SessionKey("ses_c"));
  ASSERT_TRUE(gone);
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SessionListTest, AnIdThatIsAPrefixOfAnotherIsRemovedAlone) {
  Apply(ev::kUserLoginSucceeded, "usr_1", "ses_ab");
  Apply(ev::kUserLoginSucceeded, "usr_1", "ses_a");
  Apply(ev::kSessionRevoked, "usr_1", "ses_a");
  EXPECT_EQ(List("usr_1"), (Ids{"ses_ab"}));
}

TEST_F(SessionListTest, DeletingTheUserForgetsEverySession) {
  for (const auto* id : {"ses_a", "ses_b"})
    Apply(ev::kUserLoginSucceeded, "usr_1", id);
  core::Event deleted;
  deleted.type = std::string(ev::kUserDeleted);
  deleted.stream = "usr_1";
  ASSERT_TRUE(table_.Apply(deleted, store_));
  EXPECT_TRUE(store_.data().empty()) << store_.data().begin()->first;
}

TEST(SessionListCodec, ReadsIdsInOrder) {
  EXPECT_EQ(DecodeSessionList("").value(), Ids{});
  EXPECT_EQ(DecodeSessionList("ses_a\nses_b\n").value(), (Ids{"ses_a", "ses_b"}));
}

TEST(SessionListCodec, AnyOtherShapeIsCorrupt) {
  // The JSON array of version 1, a torn last id, an empty id, a byte no id has.
  for (std::string_view bad : {R"(["ses_a","ses_b"])", "ses_a\nses_b", "ses_a\n\n", "ses a\n"}) {
    auto ids = DecodeSessionList(bad);
    ASSERT_FALSE(ids) << bad;
    EXPECT_EQ(ids.error(), core::Errc::kCorruptRecord) << bad;
  }
}

TEST_F(SessionListTest, ARowOfAnotherShapeRefusesTheEventInsteadOfDroppingIt) {
  store_.Put(UserSessionsKey("usr_1"), R"(["ses_a"])");
  EXPECT_FALSE(table_.Apply(SessionEvent(ev::kUserLoginSucceeded, "usr_1", "ses_b"), store_));
  core::Event deleted;
  deleted.type = std::string(ev::kUserDeleted);
  deleted.stream = "usr_1";
  EXPECT_FALSE(table_.Apply(deleted, store_));
}

}  // namespace
}  // namespace authd::projections
