// Fills a data folder's event log quickly through the real command path (UserCommands,
// SessionCommands decisions on the log's writer), for the benchmarks that need a big log:
// rebuild_bench and memory_bench (docs/BENCHMARKS.md).
//
// Fast but honest: the events, projections, sealing and indexes are exactly what the server
// writes. What differs from a server: password hashes are one fixed well-formed PHC string (no
// argon2id runs), the folder is opened with sync off (no fsync per group), and up to kWindow
// commands are in flight at once, so the writer commits them in large groups.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/data_dir.hpp"
#include "projections/user_commands.hpp"

namespace authd::bench {

// Events appended by kind (one event per command in every kind used here).
struct FillCounts {
  std::uint64_t signups = 0;
  std::uint64_t logins = 0;   // user.login_succeeded: each opens a session
  std::uint64_t logouts = 0;  // session.revoked
  std::uint64_t role_changes = 0;
  std::uint64_t profile_updates = 0;
  std::uint64_t failed_logins = 0;  // wrong password of a known user, or an unknown name
};

// One line "N signups, N logins, ..." for the reports.
[[nodiscard]] std::string Describe(const FillCounts& counts);

// A fixed, deterministic (seeded) traffic generator over one open data folder. Not thread-safe.
class LogFiller {
 public:
  explicit LogFiller(app::DataDir& dir, std::uint64_t seed = 42) : dir_(&dir), rng_(seed) {}
  // Continues on another (or reopened) data folder: users() and the live sessions carry over.
  void Use(app::DataDir& dir) { dir_ = &dir; }

  // Appends at least `events` events of a mix resembling a live service: of every 20 commands,
  // 4 signups, 5 logins, 2 logouts, 2 role changes, 3 profile updates, 4 failed logins (3 with a
  // known name, 1 unknown). Returns "" on success, else why it failed.
  [[nodiscard]] std::string FillMixed(std::uint64_t events);

  // Signs up `users` users (ids kept in users()).
  [[nodiscard]] std::string SignUpUsers(std::uint64_t users);
  // Opens one session (a login) for each of `sessions` users spread evenly over users().
  [[nodiscard]] std::string OpenSessions(std::uint64_t sessions);

  [[nodiscard]] const FillCounts& counts() const { return counts_; }
  [[nodiscard]] const std::vector<std::string>& users() const { return users_; }

 private:
  struct Pipeline;
  [[nodiscard]] std::string NewUserId();
  // Each builds one command and records it in the counts and the users or live sessions.
  [[nodiscard]] storage::DecideFn SignUp(const std::string& id, const projections::Origin& origin);
  [[nodiscard]] storage::DecideFn Login(std::size_t who, std::uint64_t serial,
                                        const projections::Origin& origin);

  app::DataDir* dir_;
  std::uint64_t rng_;
  std::uint64_t next_id_ = 0;
  std::uint64_t serial_ = 0;  // numbers request and session ids
  FillCounts counts_;
  std::vector<std::string> users_;
  std::vector<std::uint8_t> elevated_;  // per user: roles are {"auditor", "user"}
  std::vector<std::pair<std::string, std::string>> live_;  // (user id, session id)
};

}  // namespace authd::bench
