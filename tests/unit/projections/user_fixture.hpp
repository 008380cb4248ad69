// A real event log in a temp folder with the user and session tables, for the command tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "projections/session_commands.hpp"
#include "projections/session_table.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_directory.hpp"
#include "projections/user_table.hpp"
#include "tests/unit/storage/test_support.hpp"

namespace authd::projections {

using storage::test_support::FixedMasterKey;
using storage::test_support::TempDir;

class UserCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    log_.reset();
    std::vector<std::unique_ptr<storage::InlineProjection>> projections;
    projections.push_back(std::make_unique<UserTable>());
    projections.push_back(std::make_unique<SessionTable>());
    storage::LogOptions options;
    options.path = dir_.Sub("log");
    auto log = storage::EventLog::Open(options, FixedMasterKey(), clock_, std::move(projections));
    ASSERT_TRUE(log) << log.error().message();
    log_ = std::move(*log);
    users_ = std::make_unique<UserDirectory>(*log_, commands_);
  }

  NewUser Person(std::string name, std::vector<std::string> roles = {"user"}) {
    return {.id = "usr_" + name,
            .username = name,
            .email = name + "@example.com",
            .display_name = "Dr. " + name,
            .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            .roles = std::move(roles)};
  }

  Result<storage::Committed> Run(storage::DecideFn fn) { return log_->Execute(std::move(fn)); }

  Origin Admin() const { return {.actor = "usr_root", .request_id = "req_1", .ip = "192.0.2.7"}; }

  TempDir dir_;
  core::ManualClock clock_;
  UserCommands commands_{DeriveKey(FixedMasterKey(), "unique-index")};
  SessionCommands sessions_;
  std::unique_ptr<storage::EventLog> log_;
  std::unique_ptr<UserDirectory> users_;
};

}  // namespace authd::projections
