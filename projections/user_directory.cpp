#include "projections/user_directory.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "core/sealing.hpp"
#include "projections/user_table.hpp"

namespace authd::projections {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Rows decoded lately on this thread. Every authenticated request reads its caller's row, and
// decoding it (JSON, then base64 of every sealed field) costs more than reading it. An entry is
// used only when the row read now has exactly the bytes it was decoded from, so a changed row is
// decoded again. It holds what the row holds (personal fields stay sealed: opening them still
// needs the data key, so erasure is unaffected). Direct-mapped by user id: bounded, no eviction
// bookkeeping on the hot path.
struct DecodedRow {
  std::string bytes;
  UserRecord user;
};
constexpr std::size_t kDecodedRowsPerThread = 128;

Result<UserRecord> DecodeCached(const std::string& bytes, std::string_view id) {
  thread_local std::array<DecodedRow, kDecodedRowsPerThread> rows;
  DecodedRow& slot = rows[std::hash<std::string_view>{}(id) % rows.size()];
  if (!slot.bytes.empty() && slot.bytes == bytes) return slot.user;  // a fresh slot is empty
  auto user = DecodeUserRecord(bytes);
  if (!user) return user.error();
  slot.bytes = bytes;
  slot.user = *user;
  return user;
}

}  // namespace

Result<std::optional<UserRecord>> UserDirectory::Find(std::string_view id) const {
  auto row = log_.Get(kUsersFamily, UserKey(id));
  if (!row) return row.error();
  if (!*row) return std::optional<UserRecord>();
  auto user = DecodeCached(**row, id);
  if (!user) return user.error();
  return std::optional<UserRecord>(std::move(*user));
}

Result<std::optional<UserRecord>> UserDirectory::FindByUnique(const std::string& key) const {
  auto owner = log_.Get("unique", key);
  if (!owner) return owner.error();
  if (!*owner) return std::optional<UserRecord>();
  return Find(**owner);
}

Result<std::optional<UserRecord>> UserDirectory::FindByUsername(std::string_view name) const {
  return FindByUnique(commands_.UsernameKey(name));
}

Result<std::optional<UserRecord>> UserDirectory::FindByEmail(std::string_view email) const {
  return FindByUnique(commands_.EmailKey(email));
}

Result<UserView> UserDirectory::View(const UserRecord& user) const {
  UserView v;
  v.id = user.id;
  v.roles = user.roles;
  v.disabled = user.disabled;
  v.email_verified = user.email_verified;
  v.mfa_enabled = user.mfa_enabled;
  v.created_at = user.created_at;
  v.updated_at = user.updated_at;
  v.password_changed_at = user.password_changed_at;
  auto key = log_.DataKey(user.id);
  for (auto [field, out] : {std::pair{"username", &v.username}, std::pair{"email", &v.email},
                            std::pair{"display_name", &v.display_name}}) {
    auto it = user.sealed.find(std::string_view(field));
    if (it == user.sealed.end()) continue;
    if (!key) {
      *out = kErased;
      continue;
    }
    auto opened = core::Open(*key, user.id, field, it->second);
    if (!opened) return opened.error();
    *out = std::move(*opened);
  }
  if (!key && key.error() != core::Errc::kKeyErased) return key.error();
  return v;
}

Result<std::string> UserDirectory::PasswordHash(const UserRecord& user) const {
  auto it = user.sealed.find(std::string_view("password_hash"));
  if (it == user.sealed.end()) return core::Errc::kNotFound;
  auto key = log_.DataKey(user.id);
  if (!key) return key.error();
  return core::Open(*key, user.id, "password_hash", it->second);
}

Result<UserDirectory::Page> UserDirectory::List(std::string_view cursor, std::size_t limit,
                                                std::string_view query,
                                                std::size_t scan_limit) const {
  Page page;
  const std::string needle = Lower(query);
  const std::string prefix = UserKey("");
  std::string start = UserKey(cursor);
  if (!cursor.empty()) start.push_back('\0');  // strictly after the cursor
  std::size_t scanned = 0;
  Result<void> failure;
  std::string last_id;
  auto walked =
      log_.Scan(kUsersFamily, prefix, start, [&](std::string_view, std::string_view value) {
        if (page.items.size() >= limit || scanned >= scan_limit) return false;
        ++scanned;
        auto user = DecodeUserRecord(value);
        if (!user) {
          failure = user.error();
          return false;
        }
        last_id = user->id;
        auto view = View(*user);
        if (!view) {
          failure = view.error();
          return false;
        }
        if (!needle.empty() && Lower(view->username).find(needle) == std::string::npos &&
            Lower(view->email).find(needle) == std::string::npos &&
            Lower(view->display_name).find(needle) == std::string::npos) {
          return true;
        }
        page.items.push_back(std::move(*view));
        return true;
      });
  if (!walked) return walked.error();
  if (!failure) return failure.error();
  // More may follow when we stopped early; the cursor resumes after the last row examined.
  if (page.items.size() >= limit || scanned >= scan_limit) page.next_cursor = last_id;
  return page;
}

Result<std::vector<std::string>> UserDirectory::WithRole(std::string_view role) const {
  std::vector<std::string> ids;
  std::string prefix = "r/";
  prefix.append(role).append("/");
  auto walked = log_.Scan(kUsersFamily, prefix, "", [&](std::string_view key, std::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  });
  if (!walked) return walked.error();
  return ids;
}

}  // namespace authd::projections
