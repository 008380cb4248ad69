// Fuzzes JSON request bodies (net/body.hpp) and the field validation the handlers run on them
// (net/fields.hpp, core/validation.hpp, core/roles.hpp), without the handlers' storage.
//
// Input: the Content-Type value, '\n', the body.
// Properties checked besides not crashing:
//   - a body that parses is an object;
//   - what the signup, profile-update and role handlers dereference after "no field errors"
//     (NormalizeUsername, NormalizeEmail of validated input) is there;
//   - every 422 body is valid JSON.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/roles.hpp"
#include "core/validation.hpp"
#include "net/body.hpp"
#include "net/fields.hpp"
#include "net/scopes.hpp"

namespace {

using authd::net::Fields;

void CheckProblem(const Fields& f) {
  if (f.ok()) return;
  const auto problem = f.Problem();
  boost::system::error_code ec;
  auto parsed = boost::json::parse(problem.body, ec);
  if (ec || !parsed.is_object() || problem.status != 422) std::abort();
}

// POST /v1/auth/signup (net/handlers_auth.cpp).
void SignUp(const boost::json::object& body) {
  Fields f(body);
  auto username = f.String("username", true);
  auto email = f.String("email", true);
  auto password = f.String("password", true);
  auto display_name = f.String("display_name", false);
  const authd::core::UsernamePolicy usernames;
  const authd::core::PasswordPolicy passwords;
  if (username) f.Add(authd::core::ValidateUsername(*username, usernames));
  if (email) f.Add(authd::core::ValidateEmail(*email));
  if (display_name) f.Add(authd::core::ValidateDisplayName(*display_name));
  if (password) {
    const auto normalized = username ? authd::core::NormalizeUsername(*username) : std::nullopt;
    f.Add(authd::core::ValidatePassword(*password, normalized.value_or(username.value_or("")),
                                        passwords));
  }
  CheckProblem(f);
  if (!f.ok()) return;
  // The handler dereferences both.
  if (!authd::core::NormalizeUsername(*username) || !authd::core::NormalizeEmail(*email)) {
    std::abort();
  }
}

// POST /v1/auth/login.
void Login(const boost::json::object& body) {
  Fields f(body);
  auto username = f.String("username", false);
  auto email = f.String("email", false);
  auto password = f.String("password", true);
  if (f.ok() && !username && !email)
    f.Add({"username", "required", "Give a username or an email."});
  CheckProblem(f);
  if (username) (void)authd::core::NormalizeUsername(*username);
  if (email) (void)authd::core::NormalizeEmail(*email);
}

// PATCH/PUT /v1/users/{id} (net/account_ops.cpp), admin form.
void UpdateUser(const boost::json::object& body) {
  Fields f(body);
  auto email = f.String("email", true);
  auto display_name = f.String("display_name", true);
  auto disabled = f.Bool("disabled");
  if (!disabled && !f.Has("disabled")) f.Add({"disabled", "required", "This field is required."});
  for (const auto& kv : body) {
    const std::string_view k = kv.key();
    if (k != "email" && k != "display_name" && k != "disabled") {
      f.Add({std::string(k), "unknown_field", "This field cannot be changed here."});
    }
  }
  if (email) f.Add(authd::core::ValidateEmail(*email));
  if (display_name) f.Add(authd::core::ValidateDisplayName(*display_name));
  CheckProblem(f);
  if (f.ok() && !authd::core::NormalizeEmail(*email)) std::abort();
}

// PUT /v1/users/{id}/roles and POST /v1/api-keys (the parts that read the body).
void RolesAndScopes(const boost::json::object& body) {
  Fields f(body);
  auto roles = f.Strings("roles", false);
  std::vector<std::string> normalized;
  if (roles) f.Add(authd::core::NormalizeRoles(*roles, normalized));
  auto scopes = f.Strings("scopes", false);
  if (scopes) {
    for (const auto& s : *scopes)
      (void)authd::net::IsKnownScope(s);
  }
  (void)f.String("name", false);
  (void)f.String("refresh_token", false);
  (void)f.String("current_password", false);
  CheckProblem(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto nl = input.find('\n');
  if (nl == std::string_view::npos) return 0;
  authd::net::Request request;
  request.method = "POST";
  request.headers.emplace_back("Content-Type", std::string(input.substr(0, nl)));
  request.body = std::string(input.substr(nl + 1));
  auto body = authd::net::ParseJsonBody(request);
  if (!body) return 0;
  SignUp(*body);
  Login(*body);
  UpdateUser(*body);
  RolesAndScopes(*body);
  return 0;
}
