// GET /.well-known/jwks.json, /healthz, /readyz, /openapi.json, /metrics.
#include <boost/json.hpp>

#include "net/api.hpp"
#include "net/openapi.hpp"
#include "net/passwords.hpp"
#include "net/problems.hpp"
#include "net/services.hpp"

namespace authd::net {
namespace {

using boost::asio::awaitable;

awaitable<Response> Jwks(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  auto r = JsonResponse(200, s.tokens.Jwks());
  // Public keys: caches may keep them a short while (rotation keeps old keys listed longer).
  r.SetHeader("Cache-Control", "public, max-age=300");
  co_return r;
}

awaitable<Response> Health(RequestContext&) {
  co_return JsonResponse(200, boost::json::object{{"status", "ok"}});
}

// Ready when the event log accepts writes: open, and its queue not near its bound.
awaitable<Response> Ready(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  const std::size_t depth = s.log.QueueDepth();
  const bool ready = depth < 60'000 && !HashingFull(s);
  boost::json::object body{{"status", ready ? "ready" : "busy"},
                           {"head", s.log.Head()},
                           {"writer_queue", depth},
                           {"hash_queue", s.hash_pool.Pending()}};
  co_return JsonResponse(ready ? 200 : 503, body);
}

awaitable<Response> OpenApi(RequestContext&) {
  auto r = JsonResponse(200, OpenApiDocument());
  r.SetHeader("Cache-Control", "public, max-age=300");
  co_return r;
}

// Prometheus text format. Public like /healthz (API.md); operators who do not want it exposed turn
// it off (--metrics false), and then it is a plain 404.
awaitable<Response> Metrics(RequestContext& ctx) {
  auto& s = *ctx.App<Services>();
  if (s.metrics == nullptr) co_return ProblemForError(Errc::kNotFound);
  Response r;
  r.status = 200;
  r.content_type = std::string(kMetricsContentType);
  r.body = s.metrics->Render();
  co_return r;
}

}  // namespace

void RegisterMetaRoutes(Router& router) {
  router.Get("/.well-known/jwks.json", Jwks);
  router.Get("/healthz", Health);
  router.Get("/readyz", Ready);
  router.Get("/openapi.json", OpenApi);
  router.Get("/metrics", Metrics);
}

}  // namespace authd::net
