#include "net/server_metrics.hpp"

#include <array>
#include <string>

namespace authd::net {
namespace {

std::string MethodLabel(std::string_view method, bool routed) {
  if (routed) return std::string(method);  // a method some route accepts (or HEAD)
  constexpr std::array<std::string_view, 8> kStandard = {"GET",    "HEAD",    "POST",  "PUT",
                                                         "DELETE", "OPTIONS", "PATCH", "TRACE"};
  for (auto m : kStandard) {
    if (m == method) return std::string(m);
  }
  return "other";
}

}  // namespace

void RegisterLogMetrics(MetricsRegistry& registry, const storage::EventLog& log) {
  registry.GaugeCallback("authd_log_queue_depth", "Commands waiting for the event log's writer.",
                         [&log] { return static_cast<double>(log.QueueDepth()); });
  registry.GaugeCallback("authd_log_head_seq", "Sequence number of the last committed event.",
                         [&log] { return static_cast<double>(log.Head()); });
  registry.HistogramCallback(
      "authd_log_commit_seconds",
      "Group commit latency: from deciding the group's first command to the synced write "
      "returning (queue wait excluded), per group written.",
      [&log] { return log.Stats().commit_seconds; });
  registry.HistogramCallback("authd_log_group_commands",
                             "Commands decided per group commit (refused ones included).",
                             [&log] { return log.Stats().group_commands; });
  registry.CounterCallback(
      "authd_log_held_groups_total",
      "Groups held open under --commit-delay-us while a round of password hashes waited.",
      [&log] { return static_cast<double>(log.Stats().held); });
  registry.CounterCallback(
      "authd_log_held_to_deadline_total",
      "Held groups written at their deadline (if most are, the delay bounds the groups).",
      [&log] { return static_cast<double>(log.Stats().held_to_deadline); });
  registry.CounterCallback("authd_log_held_released_total",
                           "Held groups written early because fewer hashes were left waiting.",
                           [&log] { return static_cast<double>(log.Stats().held_released); });
  using Kind = storage::EventLog::MemoryKind;
  const auto memory = [&log](Kind kind) {
    return [&log, kind] { return static_cast<double>(log.Memory(kind)); };
  };
  registry.GaugeCallback("authd_storage_block_cache_bytes",
                         "Bytes in RocksDB's block cache, shared by every column family.",
                         memory(Kind::kBlockCache));
  registry.GaugeCallback("authd_storage_block_cache_capacity_bytes", "The block cache's bound.",
                         memory(Kind::kBlockCacheCapacity));
  registry.GaugeCallback("authd_storage_memtable_bytes",
                         "Bytes in RocksDB's memtables (unflushed writes), all column families.",
                         memory(Kind::kMemtables));
  registry.GaugeCallback(
      "authd_storage_table_readers_bytes",
      "Bytes RocksDB's open table files hold outside the block cache (estimate).",
      memory(Kind::kTableReaders));
}

void RegisterTableMetrics(MetricsRegistry& registry, const TokenService& tokens,
                          const projections::FailedLoginMonitor& monitor) {
  registry.GaugeCallback(
      "authd_token_cache_entries",
      "Verified access tokens cached (bound: " + std::to_string(tokens.options().cache_entries) +
          "; expired ones are swept).",
      [&tokens] { return static_cast<double>(tokens.CachedTokens()); });
  registry.GaugeCallback(
      "authd_monitor_tracked_entries",
      "Accounts, address pairs and addresses the failed-login monitor mirrors from the throttles.",
      [&monitor] { return static_cast<double>(monitor.TrackedEntries()); });
}

void RegisterHashPoolMetrics(MetricsRegistry& registry, const BoundedPool& pool) {
  registry.GaugeCallback("authd_hash_pool_pending", "Password hashes (argon2id) running or queued.",
                         [&pool] { return static_cast<double>(pool.Pending()); });
  registry.GaugeCallback("authd_hash_pool_capacity",
                         "Password hashes that may run or wait before new ones get 503.",
                         [&pool] { return static_cast<double>(pool.MaxQueued()); });
}

std::function<void(std::string_view, std::string_view, unsigned)> RegisterRequestMetrics(
    MetricsRegistry& registry) {
  auto& requests = registry.Counter("authd_http_requests_total",
                                    "HTTP requests answered, by method, route pattern and status.",
                                    {"method", "route", "status"});
  return [&requests](std::string_view method, std::string_view route, unsigned status) {
    const bool routed = !route.empty();
    requests.Inc({MethodLabel(method, routed), routed ? std::string(route) : "unmatched",
                  std::to_string(status)});
  };
}

}  // namespace authd::net
