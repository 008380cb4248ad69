#include "net/account_ops.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/mail_hooks.hpp"
#include "net/passwords.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"

namespace authd::net {

using boost::asio::awaitable;

Response RenderUser(Services& s, std::string_view id, unsigned status) {
  auto user = s.users.Find(id);
  if (!user) return ProblemForError(user.error());
  if (!*user) return ProblemForError(core::Errc::kNotFound);
  return RenderUser(s, **user, status);
}

Response RenderUser(Services& s, const projections::UserRecord& user, unsigned status) {
  auto view = s.users.View(user);
  if (!view) return ProblemForError(view.error());
  return JsonResponse(status, UserJson(*view));
}

awaitable<Response> UpdateUser(RequestContext& ctx, Services& s, const Principal& actor,
                               std::string_view user_id, UpdateMode mode) {
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  const bool put = mode == UpdateMode::kAdminPut;
  auto email = f.String("email", put);
  auto display_name = f.String("display_name", put);
  std::optional<bool> disabled;
  if (mode == UpdateMode::kSelfPatch) {
    if (f.Has("disabled")) {
      f.Add({"disabled", "forbidden_field", "Only an admin can disable an account."});
    }
  } else {
    disabled = f.Bool("disabled");
    if (put && !disabled && !f.Has("disabled")) {
      f.Add({"disabled", "required", "This field is required."});
    }
  }
  for (const auto& kv : *body) {
    const std::string_view k = kv.key();
    if (k != "email" && k != "display_name" && k != "disabled") {
      f.Add({std::string(k), "unknown_field", "This field cannot be changed here."});
    }
  }
  if (email) f.Add(core::ValidateEmail(*email));
  if (display_name) f.Add(core::ValidateDisplayName(*display_name));
  if (!f.ok()) co_return f.Problem();

  projections::ProfileChange change;
  if (email) change.email = *core::NormalizeEmail(*email);
  change.display_name = display_name;
  const auto origin = OriginOf(ctx.request, s.options, actor.user.id);
  auto profile = s.users_cmd.UpdateProfile(std::string(user_id), change, origin);
  storage::DecideFn decide = std::move(profile);
  if (disabled) {
    auto flag = s.users_cmd.SetDisabled(std::string(user_id), *disabled, origin);
    decide = [profile = std::move(decide), flag = std::move(flag)](storage::Txn& txn) {
      if (auto r = profile(txn); !r) return r;
      return flag(txn);
    };
  }
  decide = WithVerificationMail(s, std::move(decide), std::string(user_id), origin);
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return RenderUser(s, user_id, 200);
}

awaitable<std::optional<Response>> CheckPassword(Services& s, const projections::UserRecord& user,
                                                 const std::string& password) {
  auto stored = s.users.PasswordHash(user);
  if (!stored) co_return ProblemForError(stored.error());
  auto verified = co_await VerifyPassword(s, *stored, password);
  if (!verified) co_return ProblemForError(verified.error());
  if (!verified->ok) {
    co_return ProblemResponse(401, "invalid_credentials", "Invalid credentials",
                              "The password is not right.");
  }
  co_return std::nullopt;
}

awaitable<Response> DeleteSelf(RequestContext& ctx, Services& s, const Principal& me) {
  if (auto stale = RequireRecentAuth(me, s)) co_return std::move(*stale);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto password = f.String("password", true);
  if (!f.ok()) co_return f.Problem();
  if (auto failed = co_await CheckPassword(s, me.user, *password)) co_return std::move(*failed);
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.users_cmd.Delete(me.user.id, OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

}  // namespace authd::net
