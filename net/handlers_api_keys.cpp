// POST /v1/api-keys, GET /v1/api-keys, DELETE /v1/api-keys/{id}, POST /v1/api-keys/{id}/rotate.
// Keys are managed only by their user signed in with a password (an access token): never with
// another API key, and creation needs a recent password (step-up), since a key outlives sessions.
#include <algorithm>
#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/utf8.hpp"
#include "net/api.hpp"
#include "net/auth.hpp"
#include "net/body.hpp"
#include "net/commit.hpp"
#include "net/fields.hpp"
#include "net/problems.hpp"
#include "net/scopes.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

constexpr std::size_t kMaxNameBytes = 64;
constexpr std::int64_t kMinLifetimeSeconds = 60;
constexpr std::int64_t kMaxLifetimeSeconds = 2LL * 366 * 24 * 3600;

boost::json::value TimeOrNull(core::Micros t) {
  if (t == 0) return nullptr;
  return boost::json::string(core::FormatRfc3339(t));
}

boost::json::object KeyJson(const Services& s, const projections::ApiKeyRecord& k) {
  boost::json::array scopes;
  for (const auto& scope : k.scopes)
    scopes.emplace_back(scope);
  return {{"id", k.id},
          {"name", k.name},
          {"scopes", std::move(scopes)},
          {"created_at", core::FormatRfc3339(k.created_at)},
          {"rotated_at", TimeOrNull(k.rotated_at)},
          {"expires_at", TimeOrNull(k.expires_at)},
          {"last_used_at", TimeOrNull(s.api_keys.LastUsed(k.id))}};
}

// The signed-in user managing their keys: never an API key (ScopeFor already closes these routes
// to keys; this says why).
AuthOutcome KeyManager(const RequestContext& ctx, Services& s) {
  auto auth = Authenticate(ctx.request, s);
  if (auth.principal && !auth.principal->api_key_id.empty()) {
    return {std::nullopt,
            ProblemResponse(403, "forbidden", "Forbidden", "API keys cannot manage API keys.")};
  }
  return auth;
}

Result<std::optional<projections::ApiKeyRecord>> OwnKey(const Services& s, std::string_view user_id,
                                                        std::string_view key_id) {
  auto row = s.log.Get(projections::kApiKeysFamily, projections::ApiKeyKey(key_id));
  if (!row) return row.error();
  if (!*row) return std::optional<projections::ApiKeyRecord>();
  auto k = projections::DecodeApiKeyRecord(**row);
  if (!k) return k.error();
  // Someone else's key is "not found", not "forbidden": ids of others' keys reveal nothing.
  if (k->user_id != user_id) return std::optional<projections::ApiKeyRecord>();
  return std::optional<projections::ApiKeyRecord>(std::move(*k));
}

// Sorted, without duplicates; adds field errors for anything else.
std::vector<std::string> CheckScopes(Fields& f, std::optional<std::vector<std::string>> scopes) {
  if (!scopes) return {};
  if (scopes->empty()) f.Add({"scopes", "required", "Give at least one scope."});
  for (const auto& scope : *scopes) {
    if (!IsKnownScope(scope)) {
      f.Add({"scopes", "unknown_scope", "Unknown scope; see the API documentation."});
      break;
    }
  }
  std::sort(scopes->begin(), scopes->end());
  scopes->erase(std::unique(scopes->begin(), scopes->end()), scopes->end());
  return std::move(*scopes);
}

void CheckName(Fields& f, const std::optional<std::string>& name) {
  if (!name) return;
  const auto scan = core::ScanUtf8(*name);
  if (name->empty() || name->size() > kMaxNameBytes || !scan.valid || scan.has_control) {
    f.Add({"name", "invalid", "1 to 64 bytes of printable UTF-8."});
  }
}

awaitable<Response> CreateKey(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = KeyManager(ctx, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  if (auto stale = RequireRecentAuth(me, s)) co_return *stale;
  auto body = ParseJsonBody(ctx.request);
  if (!body) co_return ProblemForError(body.error());
  Fields f(*body);
  auto name = f.String("name", true);
  CheckName(f, name);
  auto scopes = CheckScopes(f, f.Strings("scopes", true));
  core::Micros expires_at = 0;
  if (const auto* v = body->if_contains("expires_in"); v != nullptr && !v->is_null()) {
    if (!v->is_int64() || v->get_int64() < kMinLifetimeSeconds ||
        v->get_int64() > kMaxLifetimeSeconds) {
      f.Add({"expires_in", "out_of_range", "Seconds, from 60 to two years."});
    } else {
      expires_at = s.clock.NowMicros() + v->get_int64() * 1'000'000;
    }
  }
  if (!f.ok()) co_return f.Problem();

  const std::string secret = ApiKeys::NewSecret();
  projections::NewApiKey key{.id = s.ids.Next("key"),
                             .user_id = me.user.id,
                             .name = *name,
                             .scopes = std::move(scopes),
                             .expires_at = expires_at,
                             .hash = s.api_keys.Hash(secret)};
  const std::string id = key.id;
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide =
      s.api_keys.commands.Create(std::move(key), OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  auto created = OwnKey(s, me.user.id, id);
  if (!created || !*created)
    co_return ProblemForError(created ? core::Errc::kNotFound : created.error());
  auto json = KeyJson(s, **created);
  json["key"] = secret;  // the only time it is ever shown
  auto r = JsonResponse(201, std::move(json));
  r.SetHeader("Location", "/v1/api-keys/" + id);
  co_return r;
}

awaitable<Response> ListKeys(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = KeyManager(ctx, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  auto list = s.log.Get(projections::kApiKeysFamily, projections::UserApiKeysKey(me.user.id));
  if (!list) co_return ProblemForError(list.error());
  boost::json::array items;
  if (*list) {
    boost::system::error_code ec;
    auto ids = boost::json::parse(**list, ec);
    if (!ec && ids.is_array()) {
      for (const auto& id : ids.get_array()) {
        if (!id.is_string()) continue;
        auto k = OwnKey(s, me.user.id, id.get_string());
        if (!k) co_return ProblemForError(k.error());
        if (*k) items.push_back(KeyJson(s, **k));
      }
    }
  }
  co_return JsonResponse(200, boost::json::object{{"items", std::move(items)}});
}

awaitable<Response> RevokeKey(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = KeyManager(ctx, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.api_keys.commands.Revoke(me.user.id, std::string(ctx.Param("id").value_or("")),
                                           OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  co_return EmptyResponse(204);
}

awaitable<Response> RotateKey(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto auth = KeyManager(ctx, s);
  if (!auth.principal) co_return auth.failure;
  const auto& me = *auth.principal;
  const std::string id(ctx.Param("id").value_or(""));
  const std::string secret = ApiKeys::NewSecret();
  // Named first: GCC 12 double-destroys temporaries inside co_await expressions.
  auto decide = s.api_keys.commands.Rotate(me.user.id, id, s.api_keys.Hash(secret),
                                           OriginOf(ctx.request, s.options, me.user.id));
  auto committed = co_await Commit(s.log, decide);
  if (!committed) co_return ProblemForError(committed.error());
  auto rotated = OwnKey(s, me.user.id, id);
  if (!rotated || !*rotated)
    co_return ProblemForError(rotated ? core::Errc::kNotFound : rotated.error());
  auto json = KeyJson(s, **rotated);
  json["key"] = secret;
  co_return JsonResponse(201, std::move(json));
}

}  // namespace

void RegisterApiKeyRoutes(Router& router) {
  router.Post("/v1/api-keys", CreateKey);
  router.Get("/v1/api-keys", ListKeys);
  router.Delete("/v1/api-keys/{id}", RevokeKey);
  router.Post("/v1/api-keys/{id}/rotate", RotateKey);
}

}  // namespace authd::net
