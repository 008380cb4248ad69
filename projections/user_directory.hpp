// Reads of the user table (committed state), with personal fields opened for the caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "projections/user_commands.hpp"
#include "projections/user_record.hpp"
#include "storage/event_log.hpp"

namespace authd::projections {

// Shown in place of personal data whose key was destroyed.
inline constexpr std::string_view kErased = "[erased]";

// Thread-safe: reads only committed state through the (thread-safe) EventLog.
class UserDirectory {
 public:
  UserDirectory(const storage::EventLog& log, const UserCommands& commands)
      : log_(log), commands_(commands) {}

  [[nodiscard]] Result<std::optional<UserRecord>> Find(std::string_view id) const;
  // By normalized username or email.
  [[nodiscard]] Result<std::optional<UserRecord>> FindByUsername(std::string_view name) const;
  [[nodiscard]] Result<std::optional<UserRecord>> FindByEmail(std::string_view email) const;

  // Opens the personal fields. The password hash is not part of a view.
  [[nodiscard]] Result<UserView> View(const UserRecord& user) const;
  // The argon2id PHC string, for verifying a login (on the hashing pool).
  [[nodiscard]] Result<std::string> PasswordHash(const UserRecord& user) const;

  struct Page {
    std::vector<UserView> items;
    std::string next_cursor;  // "" when there are no more
  };
  // Users ordered by id (ids sort by creation time), after `cursor` (an id, "" = from the start).
  // `query`, when not empty, keeps users whose username, email or display name contains it
  // (case-insensitive); at most `scan_limit` rows are examined per call so a search stays bounded.
  [[nodiscard]] Result<Page> List(std::string_view cursor, std::size_t limit,
                                  std::string_view query, std::size_t scan_limit = 10'000) const;

  // Users holding `role` (ids).
  [[nodiscard]] Result<std::vector<std::string>> WithRole(std::string_view role) const;

 private:
  [[nodiscard]] Result<std::optional<UserRecord>> FindByUnique(const std::string& key) const;

  const storage::EventLog& log_;
  const UserCommands& commands_;
};

}  // namespace authd::projections
