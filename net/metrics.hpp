// Metrics in the Prometheus text exposition format, version 0.0.4 (what GET /metrics serves).
//
//   MetricsRegistry registry;
//   auto& requests = registry.Counter("authd_http_requests_total", "Answered requests.",
//                                     {"method", "route", "status"});
//   requests.Inc({"GET", "/v1/users/{id}", "200"});
//   registry.GaugeCallback("authd_log_queue_depth", "Commands waiting.", [&] { return 1.0; });
//   std::string text = registry.Render();
//
// Two kinds of metric:
// - owned counters with labels (CounterFamily): incremented by the code that sees the fact;
// - callbacks (gauges, counters, histograms): read at scrape time from whoever owns the value
//   (the event log's statistics, a pool's queue, the feeds hub...).
//
// Cardinality stays bounded: a family accepts at most `max_series` label sets; further ones are
// counted in a single series whose every label value is "other". Label values are escaped, so
// any text is safe in a value, but callers should still pass bounded sets (route patterns, never
// raw paths).
//
// Thread-safety: register everything before the first Render (registration is not synchronized
// with rendering); after that Inc, Render and the callbacks may run on any thread concurrently.
// Callbacks run on the scraping thread, one at a time per Render, and must not block.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.hpp"

namespace authd::net {

// The Content-Type of the rendered text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Exposition-format pieces (exposed for tests).
// A label value: backslash, double quote and line feed escaped as \\, \" and \n.
[[nodiscard]] std::string EscapeLabelValue(std::string_view value);
// HELP text: backslash and line feed escaped.
[[nodiscard]] std::string EscapeHelp(std::string_view help);
// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN", else the shortest
// round-tripping decimal.
[[nodiscard]] std::string FormatMetricValue(double value);

class CounterFamily {
 public:
  CounterFamily(std::vector<std::string> label_names, std::size_t max_series)
      : label_names_(std::move(label_names)), max_series_(max_series) {}

  // Adds n to the series with these label values (one per label name, in order; missing ones
  // are "", extra ones ignored).
  void Inc(const std::vector<std::string>& values, std::uint64_t n = 1) {
    Series(values).fetch_add(n, std::memory_order_relaxed);
  }
  // The series itself (created at 0 when new); the reference stays valid for the family's life,
  // so hot paths can look it up once and then only increment.
  [[nodiscard]] std::atomic<std::uint64_t>& Series(const std::vector<std::string>& values);

  [[nodiscard]] const std::vector<std::string>& label_names() const { return label_names_; }
  // Every series with its value, in label order.
  [[nodiscard]] std::vector<std::pair<std::vector<std::string>, std::uint64_t>> Collect() const;

 private:
  std::vector<std::string> label_names_;
  std::size_t max_series_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<std::atomic<std::uint64_t>>> series_;
};

class MetricsRegistry {
 public:
  // Every registration throws std::invalid_argument (a start-up error) for a name that is not a
  // valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*), a label name that is not valid or reserved
  // ("le", or starting with "__"), or a name registered twice.

  // A counter family with these labels. Returned reference lives as long as the registry.
  CounterFamily& Counter(std::string name, std::string help, std::vector<std::string> label_names,
                         std::size_t max_series = 1000);
  // Unlabelled values read at scrape time. A counter callback must never decrease.
  void GaugeCallback(std::string name, std::string help, std::function<double()> read);
  void CounterCallback(std::string name, std::string help, std::function<double()> read);
  // A histogram read at scrape time (e.g. storage::EventLog::Stats()).
  void HistogramCallback(std::string name, std::string help,
                         std::function<core::HistogramSnapshot()> read);

  // The whole exposition, metrics in registration order, each with its HELP and TYPE lines.
  [[nodiscard]] std::string Render() const;

 private:
  enum class Kind { kCounter, kGaugeCallback, kCounterCallback, kHistogramCallback };
  struct Entry {
    std::string name;
    std::string help;
    Kind kind;
    std::unique_ptr<CounterFamily> family;
    std::function<double()> read;
    std::function<core::HistogramSnapshot()> read_histogram;
  };
  Entry& Add(std::string name, std::string help, Kind kind);

  std::vector<std::unique_ptr<Entry>> entries_;
};

}  // namespace authd::net
