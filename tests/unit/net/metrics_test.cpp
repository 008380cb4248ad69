// The Prometheus text renderer: escaping, HELP/TYPE lines, histograms, bounded label sets.
#include "net/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace authd::net {
namespace {

std::vector<std::string> LinesOf(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

bool HasLine(const std::string& text, const std::string& line) {
  for (const auto& l : LinesOf(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue(R"(a\b"c)"
                             "\n"
                             "d"),
            R"(a\\b\"c\nd)");
  MetricsRegistry registry;
  auto& family = registry.Counter("x_total", "X.", {"v"});
  family.Inc({"quote\" back\\ nl\n end"}, 2);
  const auto text = registry.Render();
  EXPECT_TRUE(HasLine(text, R"(x_total{v="quote\" back\\ nl\n end"} 2)")) << text;
  // The raw newline never reaches the output: every line is a comment or a sample.
  for (const auto& line : LinesOf(text)) {
    EXPECT_TRUE(line.rfind("# ", 0) == 0 || line.rfind("x_total{", 0) == 0) << line;
  }
}

TEST(MetricsTest, HelpAndTypeLinesPrecedeSamples) {
  MetricsRegistry registry;
  registry.Counter("req_total", "Requests\\served\nso far.", {"route", "status"})
      .Inc({"/v1/users/{id}", "200"});
  registry.GaugeCallback("depth", "Queue depth.", [] { return 3.0; });
  registry.CounterCallback("bytes_total", "Bytes.", [] { return 1.5; });
  const auto lines = LinesOf(registry.Render());
  const std::vector<std::string> want = {
      R"(# HELP req_total Requests\\served\nso far.)",
      "# TYPE req_total counter",
      R"(req_total{route="/v1/users/{id}",status="200"} 1)",
      "# HELP depth Queue depth.",
      "# TYPE depth gauge",
      "depth 3",
      "# HELP bytes_total Bytes.",
      "# TYPE bytes_total counter",
      "bytes_total 1.5",
  };
  EXPECT_EQ(lines, want);
}

TEST(MetricsTest, HistogramHasCumulativeBucketsInfSumAndCount) {
  core::FixedHistogram h({0.01, 0.1, 1});
  h.Observe(0.005);
  h.Observe(0.05);
  h.Observe(0.05);
  h.Observe(7);  // above every bound: only +Inf
  MetricsRegistry registry;
  registry.HistogramCallback("lat_seconds", "Latency.", [&h] { return h.Snapshot(); });
  const auto lines = LinesOf(registry.Render());
  const std::vector<std::string> want = {
      "# HELP lat_seconds Latency.",
      "# TYPE lat_seconds histogram",
      R"(lat_seconds_bucket{le="0.01"} 1)",
      R"(lat_seconds_bucket{le="0.1"} 3)",
      R"(lat_seconds_bucket{le="1"} 3)",
      R"(lat_seconds_bucket{le="+Inf"} 4)",
      "lat_seconds_sum 7.105",
      "lat_seconds_count 4",
  };
  EXPECT_EQ(lines, want);
}

TEST(MetricsTest, ValuesFormat) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(-3), "-3");
  EXPECT_EQ(FormatMetricValue(0.25), "0.25");
  EXPECT_EQ(FormatMetricValue(0.0001), "0.0001");
  EXPECT_EQ(FormatMetricValue(0.00025), "0.00025");
  EXPECT_EQ(FormatMetricValue(1e300), "1e+300");
  EXPECT_EQ(FormatMetricValue(1.5e-9), "1.5e-09");
  EXPECT_EQ(FormatMetricValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatMetricValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatMetricValue(0.0 / 0.0), "NaN");
}

TEST(MetricsTest, LabelSetsAreBounded) {
  MetricsRegistry registry;
  auto& family = registry.Counter("paths_total", "P.", {"path"}, 2);
  for (int i = 0; i < 50; ++i)
    family.Inc({"/p" + std::to_string(i)});
  const auto text = registry.Render();
  EXPECT_TRUE(HasLine(text, R"(paths_total{path="/p0"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(paths_total{path="/p1"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(paths_total{path="other"} 48)")) << text;
  EXPECT_EQ(LinesOf(text).size(), 5U);
}

TEST(MetricsTest, BadNamesAreStartUpErrors) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.Counter("1bad", "h", {}), std::invalid_argument);
  EXPECT_THROW(registry.Counter("ok_total", "h", {"le"}), std::invalid_argument);
  EXPECT_THROW(registry.Counter("ok2_total", "h", {"__x"}), std::invalid_argument);
  EXPECT_THROW(registry.Counter("ok3_total", "h", {"a-b"}), std::invalid_argument);
  registry.GaugeCallback("g", "h", [] { return 0.0; });
  EXPECT_THROW(registry.GaugeCallback("g", "h", [] { return 0.0; }), std::invalid_argument);
}

}  // namespace
}  // namespace authd::net
