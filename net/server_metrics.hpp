// The metrics of `authd serve` read from components at scrape time, and the per-request counter.
// docs/METRICS.md lists each one. Call these before the server starts (registration is not
// synchronized with scrapes); the components must outlive the registry's last Render.
#pragma once

#include <functional>
#include <string_view>

#include "net/metrics.hpp"
#include "net/offload.hpp"
#include "net/tokens.hpp"
#include "projections/failed_login_monitor.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

// authd_log_queue_depth, authd_log_head_seq, authd_log_commit_seconds (histogram),
// authd_log_group_commands (histogram), authd_storage_* (RocksDB's memory).
void RegisterLogMetrics(MetricsRegistry& registry, const storage::EventLog& log);

// authd_token_cache_entries, authd_monitor_tracked_entries: in-memory tables whose size follows
// the traffic (docs/MEMORY.md).
void RegisterTableMetrics(MetricsRegistry& registry, const TokenService& tokens,
                          const projections::FailedLoginMonitor& monitor);

// authd_hash_pool_pending, authd_hash_pool_capacity.
void RegisterHashPoolMetrics(MetricsRegistry& registry, const BoundedPool& pool);

// authd_http_requests_total{method,route,status}. Returns the observer to put in
// ServerOptions::on_response. The route label is the matched pattern ("/v1/users/{id}"), or
// "unmatched" (404, 405, and requests refused before routing); the method label is the method
// as sent when a route matched, else one of the standard methods or "other". So the label sets
// stay bounded whatever clients send.
[[nodiscard]] std::function<void(std::string_view, std::string_view, unsigned)>
RegisterRequestMetrics(MetricsRegistry& registry);

}  // namespace authd::net
