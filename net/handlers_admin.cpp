// Admin user management: GET /v1/users, GET/PUT/PATCH/DELETE /v1/users/{id},
// PUT /v1/users/{id}/roles. A user may GET/PATCH/DELETE their own record through {id} too.
#include <boost/json.hpp>
#include <charconv>

#include "core/error.hpp"
#include "core/roles.hpp"
#include "net/account_ops.hpp"
#include "net/api.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/problems.hpp"
#include "net/render.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

constexpr std::size_t kDefaultPage = 50;
constexpr std::size_t kMaxPage = 200;

awaitable<Response> ListUsers(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (!auth.principal->IsAdmin()) co_return Forbidden(*auth.principal);

  std::vector<core::FieldError> errors;
  std::size_t limit = kDefaultPage;
  if (auto raw = ctx.request.Query("limit")) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), n);
    if (ec != std::errc() || end != raw->data() + raw->size() || n < 1 || n > kMaxPage) {
      errors.push_back({"limit", "out_of_range", "limit must be a whole number from 1 to 200."});
    } else {
      limit = n;
    }
  }
  const std::string cursor(ctx.request.Query("cursor").value_or(""));
  if (cursor.size() > 64) {
    errors.push_back({"cursor", "invalid_format", "cursor is not one this server gave out."});
  }
  const std::string q(ctx.request.Query("q").value_or(""));
  if (q.size() > 254) errors.push_back({"q", "too_long", "q is at most 254 characters."});
  if (!errors.empty()) {
    co_return ProblemResponse(422, "validation_failed", "Validation failed",
                              "Some query parameters are not valid; see errors.", errors);
  }
  auto page = s.users.List(cursor, limit, q);
  if (!page) co_return ProblemForError(page.error());
  boost::json::array items;
  for (const auto& u : page->items)
    items.push_back(UserJson(u));
  boost::json::object out{{"items", std::move(items)}};
  out["next_cursor"] = page->next_cursor.empty() ? boost::json::value(nullptr)
                                                 : boost::json::value(page->next_cursor);
  co_return JsonResponse(200, out);
}

// Admins may act on anyone; others only on themselves, and get 403 `forbidden` for any other id
// (API.md: admin endpoints answer 403 to everyone else), before the id is even looked up, so the
// answer says nothing about whether that id exists.
struct Target {
  std::optional<Response> failure;
  std::optional<Principal> principal;
  std::string id;
  bool self = false;
};

Target Resolve(RequestContext& ctx, Services& s) {
  Target t;
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) {
    t.failure = std::move(auth.failure);
    return t;
  }
  t.id = std::string(ctx.Param("id").value_or(""));
  t.self = t.id == auth.principal->user.id;
  if (!t.self && !auth.principal->IsAdmin()) t.failure = Forbidden(*auth.principal);
  t.principal = std::move(auth.principal);
  return t;
}

awaitable<Response> GetUser(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto t = Resolve(ctx, s);
  if (t.failure) co_return std::move(*t.failure);
  co_return RenderUser(s, t.id, 200);
}

awaitable<Response> PatchUser(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto t = Resolve(ctx, s);
  if (t.failure) co_return std::move(*t.failure);
  const auto mode = t.principal->IsAdmin() ? UpdateMode::kAdminPatch : UpdateMode::kSelfPatch;
  co_return co_await UpdateUser(ctx, s, *t.principal, t.id, mode);
}

awaitable<Response> PutUser(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (!auth.principal->IsAdmin()) co_return Forbidden(*auth.principal);
  co_return co_await UpdateUser(ctx, s, *auth.principal, ctx.Param("id").value_or(""),
                                UpdateMode::kAdminPut);
}

awaitable<Response> DeleteUser(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto t = Resolve(ctx, s);
  if (t.failure) co_return std::move(*t.failure);
  // An admin deleting another account needs no password; deleting oneself always does.
  if (t.self) co_return co_await DeleteSelf(ctx, s, *t.principal);
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.users_cmd.Delete(t.id, OriginOf(ctx.request, s.options, t.principal->user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

awaitable<Response> PutRoles(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = Authenticate(ctx.request, s);
  if (!auth.principal) co_return auth.failure;
  if (!auth.principal->IsAdmin()) co_return Forbidden(*auth.principal);
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto roles = f.Strings("roles", true);
  std::vector<std::string> normalized;
  if (roles) f.Add(core::NormalizeRoles(*roles, normalized));
  if (!f.ok()) co_return f.Problem();
  const std::string id(ctx.Param("id").value_or(""));
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.users_cmd.ChangeRoles(id, std::move(normalized),
                                        OriginOf(ctx.request, s.options, auth.principal->user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return RenderUser(s, id, 200);
}

}  // namespace

void RegisterAdminRoutes(Router& router) {
  router.Get("/v1/users", ListUsers);
  router.Get("/v1/users/{id}", GetUser);
  router.Put("/v1/users/{id}", PutUser);
  router.Patch("/v1/users/{id}", PatchUser);
  router.Delete("/v1/users/{id}", DeleteUser);
  router.Put("/v1/users/{id}/roles", PutRoles);
}

}  // namespace authd::net
