// authd user add: the operator's way to create the first admin (and any other user). Appends the
// same user.signed_up event the API would, with actor "cli".
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "core/password_hash.hpp"
#include "core/roles.hpp"
#include "core/validation.hpp"
#include "projections/mail_commands.hpp"

namespace authd::app {
namespace po = boost::program_options;

namespace {

// One line from stdin without its line ending. Never echoed anywhere.
std::string ReadPasswordLine() {
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

}  // namespace

int UserAddCommand(const Args& args) {
  po::options_description desc("authd user add options");
  std::string data;
  std::string username;
  std::string email;
  std::string display_name;
  std::vector<std::string> roles;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder")(
      "username", po::value(&username)->required(), "username (reserved names allowed here)")(
      "email", po::value(&email)->required(), "email address")(
      "display-name", po::value(&display_name), "display name")(
      "role", po::value(&roles)->composing(), "extra role, repeatable (admin, auditor, ...)")(
      "password-stdin", "read the password from the first line of standard input (required)")(
      "email-verified",
      "the operator vouches for the address: it counts as verified (for serve "
      "--require-verified-email; no verification mail)");
  po::variables_map vm;
  if (auto stop = ParseArgs("user add", desc, args, vm)) return *stop;
  if (vm.count("password-stdin") == 0U) {
    Complain("user add", "--password-stdin is required (passwords are never taken as arguments)");
    return kExitUsage;
  }
  const std::string password = ReadPasswordLine();

  std::vector<core::FieldError> errors = core::ValidateUsername(username, {}, true);
  auto more = core::ValidateEmail(email);
  errors.insert(errors.end(), more.begin(), more.end());
  more = core::ValidateDisplayName(display_name);
  errors.insert(errors.end(), more.begin(), more.end());
  const auto normalized_name = core::NormalizeUsername(username);
  more = core::ValidatePassword(password, normalized_name.value_or(username), {});
  errors.insert(errors.end(), more.begin(), more.end());
  std::vector<std::string> normalized_roles;
  more = core::NormalizeRoles(roles, normalized_roles);
  errors.insert(errors.end(), more.begin(), more.end());
  if (!errors.empty()) {
    for (const auto& e : errors)
      Complain("user add", e.field + ": " + e.message);
    return kExitUsage;
  }

  auto dir = OpenOrComplain("user add", data, {.read_only = false, .create_master_key = true});
  if (!dir) return kExitData;
  if (dir->master_key_created) {
    Complain("user add", "created a new master key in " + dir->master_key_source +
                             " (mode 0600); back it up: without it no personal data can be read");
  }

  const core::PasswordHasher hasher;
  auto hash = hasher.Hash(password);
  if (!hash) {
    Complain("user add", "cannot hash the password: " + hash.error().message());
    return kExitData;
  }
  core::RandomIdGenerator ids(dir->clock);
  projections::NewUser user{.id = ids.Next("usr"),
                            .username = *normalized_name,
                            .email = *core::NormalizeEmail(email),
                            .display_name = display_name,
                            .password_hash = std::move(*hash),
                            .roles = normalized_roles};
  const std::string id = user.id;
  const projections::Origin origin{.actor = "cli", .request_id = ids.Next("req")};
  storage::DecideFn decide = dir->commands->SignUp(std::move(user), origin);
  if (vm.count("email-verified") != 0U) {
    decide = [signup = std::move(decide), verified = projections::MailCommands::VerifiedByOperator(
                                              id, origin)](storage::Txn& txn) {
      if (auto r = signup(txn); !r) return r;
      return verified(txn);
    };
  }
  auto committed = dir->log->Execute(std::move(decide));
  if (!committed) {
    const auto& e = committed.error();
    if (e == core::Errc::kUsernameTaken) {
      Complain("user add", "username is already taken");
    } else if (e == core::Errc::kEmailTaken) {
      Complain("user add", "email is already taken");
    } else {
      Complain("user add", "cannot append the event: " + e.message());
      return kExitData;
    }
    return kExitFailed;
  }
  boost::json::object out{
      {"id", id}, {"username", *normalized_name}, {"seq", committed->front().seq}};
  boost::json::array role_list;
  for (const auto& r : normalized_roles)
    role_list.emplace_back(r);
  out["roles"] = std::move(role_list);
  std::cout << boost::json::serialize(out) << "\n";
  return kExitOk;
}

}  // namespace authd::app
