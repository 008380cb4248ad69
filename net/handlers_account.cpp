// The caller's own account: GET/PATCH/DELETE /v1/users/me, PUT /v1/users/me/password.
#include <boost/json.hpp>

#include "core/error.hpp"
#include "net/account_ops.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/passwords.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

awaitable<Response> GetMe(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  // The record Authenticate just read: one user lookup per request, not two.
  co_return RenderUser(s, auth.principal->user, 200);
}

awaitable<Response> PatchMe(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  co_return co_await UpdateUser(ctx, s, *auth.principal, auth.principal->user.id,
                                UpdateMode::kSelfPatch);
}

awaitable<Response> DeleteMe(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  co_return co_await DeleteSelf(ctx, s, *auth.principal);
}

awaitable<Response> ChangePassword(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  if (auto stale = RequireRecentAuth(me, s)) co_return std::move(*stale);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto current = f.String("current_password", true);
  auto next = f.String("new_password", true);
  if (!f.ok()) co_return f.Problem();
  if (auto failed = co_await CheckPassword(s, me.user, *current)) co_return std::move(*failed);

  auto view = s.users.View(me.user);
  if (!view) co_return ProblemForError(view.error());
  auto weak = core::ValidatePassword(*next, view->username, s.options.password);
  for (auto& e : weak)
    e.field = "new_password";  // name the field the client sent
  f.Add(std::move(weak));
  if (!f.ok()) co_return f.Problem();
  auto hash = co_await HashPassword(s, *next);
  if (!hash) co_return ProblemForError(hash.error());
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.users_cmd.ChangePassword(me.user.id, std::move(*hash), me.claims.session_id,
                                           OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

}  // namespace

void RegisterAccountRoutes(Router& router) {
  router.Get("/v1/users/me", GetMe);
  router.Patch("/v1/users/me", PatchMe);
  router.Delete("/v1/users/me", DeleteMe);
  router.Put("/v1/users/me/password", ChangePassword);
}

}  // namespace authd::net
