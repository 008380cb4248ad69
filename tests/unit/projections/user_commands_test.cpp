// The user table and the user commands against a real event log in a temp folder.
#include "projections/user_commands.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <thread>

#include "core/error.hpp"
#include "core/event_types.hpp"
#include "projections/event_render.hpp"
#include "storage/verify.hpp"
#include "tests/unit/projections/user_fixture.hpp"

namespace authd::projections {
namespace {

TEST_F(UserCommandsTest, SignUpIsFoundByIdNameAndEmailWithFieldsOpened) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("alice"), {.ip = "198.51.100.1"})));
  auto by_name = users_->FindByUsername("alice");
  ASSERT_TRUE(by_name && *by_name);
  auto by_email = users_->FindByEmail("alice@example.com");
  ASSERT_TRUE(by_email && *by_email);
  EXPECT_EQ((*by_email)->id, "usr_alice");
  auto view = users_->View(**by_name);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->username, "alice");
  EXPECT_EQ(view->email, "alice@example.com");
  EXPECT_EQ(view->display_name, "Dr. alice");
  EXPECT_EQ(view->roles, std::vector<std::string>{"user"});
  EXPECT_EQ(view->created_at, clock_.NowMicros());
  auto hash = users_->PasswordHash(**by_name);
  ASSERT_TRUE(hash);
  EXPECT_EQ(*hash, Person("alice").password_hash);
}

TEST_F(UserCommandsTest, PersonalDataIsNeverStoredInClear) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("carol"), {.ip = "198.51.100.99"})));
  auto raw = log_->ReadRaw(1);
  ASSERT_TRUE(raw && *raw);
  for (std::string_view secret : {"carol@example.com", "Dr. carol", "198.51.100.99", "argon2id"}) {
    EXPECT_EQ((*raw)->find(secret), std::string::npos) << secret;
  }
  auto row = log_->Get(kUsersFamily, UserKey("usr_carol"));
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->find("carol@example.com"), std::string::npos);
}

TEST_F(UserCommandsTest, TakenUsernameOrEmailIsRefusedAndWritesNothing) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("alice"), {})));
  auto same_name = Person("alice");
  same_name.id = "usr_other";
  same_name.email = "other@example.com";
  auto r = Run(commands_.SignUp(same_name, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kUsernameTaken);
  auto same_email = Person("bob");
  same_email.email = "alice@example.com";
  r = Run(commands_.SignUp(same_email, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kEmailTaken);
  EXPECT_EQ(log_->Head(), 1U);
  auto bob = users_->Find("usr_bob");
  ASSERT_TRUE(bob);
  EXPECT_FALSE(*bob);
}

TEST_F(UserCommandsTest, ConcurrentSignupsOfOneNameGiveExactlyOneUser) {
  constexpr int kThreads = 40;
  std::atomic<int> ok{0};
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto p = Person("mallory");
      p.id = "usr_" + std::to_string(i);
      p.email = "m" + std::to_string(i) + "@example.com";
      auto r = Run(commands_.SignUp(p, {}));
      if (r) {
        ++ok;
      } else if (r.error() == core::Errc::kUsernameTaken) {
        ++taken;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(taken.load(), kThreads - 1);
  EXPECT_EQ(log_->Head(), 1U);
}

TEST_F(UserCommandsTest, TheLastEnabledAdminKeepsTheRole) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("root", {"admin", "user"}), {})));
  auto r = Run(commands_.ChangeRoles("usr_root", {"user"}, Admin()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kLastAdmin);
  r = Run(commands_.SetDisabled("usr_root", true, Admin()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kLastAdmin);
  r = Run(commands_.Delete("usr_root", Admin()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kLastAdmin);

  // A second admin makes the change possible; disabling that one makes it impossible again.
  ASSERT_TRUE(Run(commands_.SignUp(Person("ops"), {})));
  ASSERT_TRUE(Run(commands_.ChangeRoles("usr_ops", {"admin", "user"}, Admin())));
  ASSERT_TRUE(Run(commands_.SetDisabled("usr_ops", true, Admin())));
  r = Run(commands_.ChangeRoles("usr_root", {"user"}, Admin()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kLastAdmin);
  ASSERT_TRUE(Run(commands_.SetDisabled("usr_ops", false, Admin())));
  ASSERT_TRUE(Run(commands_.ChangeRoles("usr_root", {"auditor", "user"}, Admin())));
  auto root = users_->Find("usr_root");
  ASSERT_TRUE(root && *root);
  EXPECT_EQ((*root)->roles, (std::vector<std::string>{"auditor", "user"}));
  auto admins = users_->WithRole("admin");
  ASSERT_TRUE(admins);
  EXPECT_EQ(*admins, std::vector<std::string>{"usr_ops"});
}

TEST_F(UserCommandsTest, RoleChangeEventRecordsWhoAndWhatChanged) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("dave"), {})));
  auto r = Run(commands_.ChangeRoles("usr_dave", {"auditor", "user"}, Admin()));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 1U);
  const auto& e = r->front();
  EXPECT_EQ(e.type, core::events::kUserRolesChanged);
  EXPECT_EQ(e.actor, "usr_root");
  EXPECT_EQ(e.request_id, "req_1");
  EXPECT_EQ(boost::json::serialize(e.data.at("roles")), R"(["auditor","user"])");
  EXPECT_EQ(boost::json::serialize(e.data.at("previous")), R"(["user"])");
  // Unchanged roles record nothing.
  ASSERT_TRUE(Run(commands_.ChangeRoles("usr_dave", {"auditor", "user"}, Admin())));
  EXPECT_EQ(log_->Head(), 2U);
}

TEST_F(UserCommandsTest, EmailChangeReleasesTheOldAddress) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("erin"), {})));
  ASSERT_TRUE(Run(commands_.SignUp(Person("frank"), {})));
  auto r = Run(commands_.UpdateProfile("usr_erin", {.email = "frank@example.com"}, {}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), core::Errc::kEmailTaken);
  ASSERT_TRUE(Run(
      commands_.UpdateProfile("usr_erin", {.email = "erin2@example.com", .display_name = ""}, {})));
  auto erin = users_->FindByEmail("erin2@example.com");
  ASSERT_TRUE(erin && *erin);
  auto view = users_->View(**erin);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->display_name, "");
  EXPECT_FALSE(view->email_verified);
  auto old = users_->FindByEmail("erin@example.com");
  ASSERT_TRUE(old);
  EXPECT_FALSE(*old);
  auto g = Person("gina");
  g.email = "erin@example.com";
  EXPECT_TRUE(Run(commands_.SignUp(g, {})));
}

TEST_F(UserCommandsTest, DeleteErasesPersonalDataEverywhereButTheLogVerifies) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("hank"), {.ip = "203.0.113.5"})));
  ASSERT_TRUE(Run(sessions_.Login({.user_id = "usr_hank",
                                   .session_id = "ses_1",
                                   .amr = {"pwd"},
                                   .refresh_hash = "aa",
                                   .lifetime = 1000},
                                  {.ip = "203.0.113.5"})));
  ASSERT_TRUE(Run(commands_.Delete("usr_hank", Admin())));

  auto gone = users_->Find("usr_hank");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  auto key = log_->DataKey("usr_hank");
  ASSERT_FALSE(key);
  EXPECT_EQ(key.error(), core::Errc::kKeyErased);

  auto events = log_->ReadStream("usr_hank", 0, 10);
  ASSERT_TRUE(events);
  ASSERT_EQ(events->size(), 3U);  // signed up, logged in, deleted
  const auto rendered = boost::json::serialize(RenderEvent(events->front(), *log_));
  EXPECT_EQ(rendered.find("hank@example.com"), std::string::npos);
  EXPECT_EQ(rendered.find("203.0.113.5"), std::string::npos);
  EXPECT_NE(rendered.find("[erased]"), std::string::npos);
  EXPECT_EQ(rendered.find("argon2"), std::string::npos);

  // The name and address are free again, and the log still verifies.
  auto again = Person("hank");
  again.id = "usr_hank2";
  EXPECT_TRUE(Run(commands_.SignUp(again, {})));
  auto chain = storage::VerifyChain(*log_);
  ASSERT_TRUE(chain);
  EXPECT_FALSE(chain->first_bad) << chain->reason;
  UserTable fresh;
  auto same = storage::VerifyProjection(*log_, fresh);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->equal) << same->difference;
}

// Find keeps rows it decoded on this thread: each change must still show on the very next read.
TEST_F(UserCommandsTest, FindShowsEveryChangeToARowItReadBefore) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("ivy"), {})));
  auto first = users_->Find("usr_ivy");
  ASSERT_TRUE(first && *first);
  auto again = users_->Find("usr_ivy");
  ASSERT_TRUE(again && *again);
  EXPECT_EQ(**again, **first);

  ASSERT_TRUE(Run(commands_.ChangeRoles("usr_ivy", {"auditor", "user"}, Admin())));
  auto promoted = users_->Find("usr_ivy");
  ASSERT_TRUE(promoted && *promoted);
  EXPECT_TRUE((*promoted)->HasRole("auditor"));
  EXPECT_GT((*promoted)->version, (*first)->version);

  ASSERT_TRUE(Run(commands_.UpdateProfile("usr_ivy", {.display_name = "Ivy"}, {})));
  auto renamed = users_->Find("usr_ivy");
  ASSERT_TRUE(renamed && *renamed);
  auto view = users_->View(**renamed);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->display_name, "Ivy");

  ASSERT_TRUE(Run(commands_.SetDisabled("usr_ivy", true, Admin())));
  auto disabled = users_->Find("usr_ivy");
  ASSERT_TRUE(disabled && *disabled);
  EXPECT_TRUE((*disabled)->disabled);

  ASSERT_TRUE(Run(commands_.Delete("usr_ivy", Admin())));
  auto gone = users_->Find("usr_ivy");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
}

TEST_F(UserCommandsTest, FailedLoginOfUnknownNameKeepsOnlyAKeyedHash) {
  const std::string attempted = "hunter2-typed-in-the-name-field";
  ASSERT_TRUE(
      Run(commands_.LoginFailed("", attempted, LoginFailure::kUnknownUser, {.ip = "192.0.2.200"})));
  auto raw = log_->ReadRaw(1);
  ASSERT_TRUE(raw && *raw);
  EXPECT_EQ((*raw)->find(attempted), std::string::npos);
  EXPECT_EQ((*raw)->find("192.0.2.200"), std::string::npos);
  auto events = log_->ReadRange(0, 1);
  ASSERT_TRUE(events);
  const auto& e = events->front();
  EXPECT_EQ(e.stream, kUnknownAccountsStream);
  EXPECT_EQ(e.data.at("reason").as_string(), "unknown_user");
  EXPECT_EQ(e.data.at("name_hash").as_string().size(), 64U);
  const auto rendered = boost::json::serialize(RenderEvent(e, *log_));
  EXPECT_NE(rendered.find("192.0.2.200"), std::string::npos);  // auditors see the address
}

TEST_F(UserCommandsTest, StateSurvivesReopenAndEqualsARebuild) {
  ASSERT_TRUE(Run(commands_.SignUp(Person("ivy", {"admin", "user"}), {})));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Run(commands_.SignUp(Person("u" + std::to_string(i)), {})));
  }
  ASSERT_TRUE(Run(commands_.ChangeRoles("usr_u3", {"admin", "user"}, Admin())));
  ASSERT_TRUE(Run(commands_.ChangePassword("usr_u4", "$argon2id$new", "", Admin())));
  ASSERT_TRUE(Run(commands_.Delete("usr_u5", Admin())));
  ASSERT_TRUE(Run(commands_.SetDisabled("usr_u6", true, Admin())));
  Open();
  auto u4 = users_->Find("usr_u4");
  ASSERT_TRUE(u4 && *u4);
  EXPECT_EQ(*users_->PasswordHash(**u4), "$argon2id$new");
  EXPECT_GT((*u4)->password_changed_at, 0);
  auto before = log_->Get(kUsersFamily, UserKey("usr_u6"));
  ASSERT_TRUE(log_->Rebuild("users"));
  auto after = log_->Get(kUsersFamily, UserKey("usr_u6"));
  ASSERT_TRUE(before && after);
  EXPECT_EQ(*before, *after);
  UserTable fresh;
  auto same = storage::VerifyProjection(*log_, fresh);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->equal) << same->difference;
}

TEST_F(UserCommandsTest, ListPagesByIdAndSearches) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(Run(commands_.SignUp(Person("p" + std::to_string(i)), {})));
  }
  auto first = users_->List("", 3, "");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->items.size(), 3U);
  EXPECT_EQ(first->items[0].id, "usr_p0");
  EXPECT_EQ(first->next_cursor, "usr_p2");
  auto second = users_->List(first->next_cursor, 3, "");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->items[0].id, "usr_p3");
  auto search = users_->List("", 10, "P5@EXAMPLE");
  ASSERT_TRUE(search);
  ASSERT_EQ(search->items.size(), 1U);
  EXPECT_EQ(search->items[0].username, "p5");
}

}  // namespace
}  // namespace authd::projections
