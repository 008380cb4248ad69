// Opening a data folder for a command: master key, event log, projections, user commands.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_directory.hpp"
#include "storage/event_log.hpp"

namespace authd::app {

struct OpenMode {
  bool read_only = false;          // log, verify: never write, never create
  bool create_master_key = false;  // serve, user add: create DIR/master.key on first start
  bool sync = true;                // fsync every group commit (serve --sync false turns it off)
};

// Everything a command needs from one data folder. Owns the log; Close() on destruction.
struct DataDir {
  std::string path;
  core::SystemClock clock;
  std::unique_ptr<storage::EventLog> log;
  std::unique_ptr<projections::UserCommands> commands;
  std::unique_ptr<projections::UserDirectory> users;
  core::Key256 refresh_key;     // keys the hashes of refresh tokens (derived from the master key)
  core::Key256 api_key_key;     // keys the hashes of API key secrets (derived from the master key)
  core::Key256 throttle_key;    // keys the client-address pseudonyms (derived from the master key)
  core::Key256 mail_token_key;  // derives mail tokens from mail ids (projections/email_tokens)
  core::Key256 mail_token_hash_key;  // keys the stored hashes of mail tokens
  core::Key256 csrf_key;             // signs the CSRF tokens of browser sessions (derived, too)
  std::string master_key_source;
  bool master_key_created = false;
};

// Opens `path`. On failure returns the error and writes a plain-words reason to `why`
// (never key material).
[[nodiscard]] Result<std::unique_ptr<DataDir>> OpenDataDir(const std::string& path, OpenMode mode,
                                                           std::string& why);

// The projections every data folder carries, fresh instances (for the log and for verify).
[[nodiscard]] std::vector<std::unique_ptr<storage::InlineProjection>> MakeProjections();

}  // namespace authd::app
