#include "net/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace authd::net {
namespace {

bool IsNameChar(char c, bool first, bool allow_colon) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (letter || (allow_colon && c == ':')) return true;
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, allow_colon)) return false;
  }
  return true;
}

std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(i < values.size() ? values[i] : std::string());
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void Sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  out += labels;
  out += ' ';
  out += FormatMetricValue(value);
  out += '\n';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Integers (counts) print without a fraction or exponent up to 2^53, where doubles stay exact.
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(value));
  }
  // Shortest round-trip digits; plain decimals ("0.0001", as bucket bounds are usually written)
  // unless the value is very small or very large.
  const double magnitude = std::fabs(value);
  const auto format =
      magnitude >= 1e-6 && magnitude < 1e15 ? std::chars_format::fixed : std::chars_format::general;
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, format);
  if (ec != std::errc()) return "NaN";
  return {buf, end};
}

std::atomic<std::uint64_t>& CounterFamily::Series(const std::vector<std::string>& values) {
  std::vector<std::string> key(label_names_.size());
  for (std::size_t i = 0; i < key.size() && i < values.size(); ++i)
    key[i] = values[i];
  std::lock_guard lock(mu_);
  auto it = series_.find(key);
  if (it != series_.end()) return *it->second;
  if (series_.size() >= max_series_) {
    // Over the bound: one shared overflow series, so a bug or an attacker cannot grow memory.
    std::fill(key.begin(), key.end(), "other");
    it = series_.find(key);
    if (it != series_.end()) return *it->second;
  }
  auto& slot = series_[key];
  slot = std::make_unique<std::atomic<std::uint64_t>>(0);
  return *slot;
}

std::vector<std::pair<std::vector<std::string>, std::uint64_t>> CounterFamily::Collect() const {
  std::vector<std::pair<std::vector<std::string>, std::uint64_t>> out;
  std::lock_guard lock(mu_);
  out.reserve(series_.size());
  for (const auto& [labels, value] : series_)
    out.emplace_back(labels, value->load(std::memory_order_relaxed));
  return out;
}

MetricsRegistry::Entry& MetricsRegistry::Add(std::string name, std::string help, Kind kind) {
  if (!IsValidName(name, true)) throw std::invalid_argument("bad metric name: " + name);
  for (const auto& e : entries_) {
    if (e->name == name) throw std::invalid_argument("metric registered twice: " + name);
  }
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->help = std::move(help);
  entry->kind = kind;
  entries_.push_back(std::move(entry));
  return *entries_.back();
}

CounterFamily& MetricsRegistry::Counter(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::size_t max_series) {
  for (const auto& label : label_names) {
    if (!IsValidName(label, false) || label == "le" || label.rfind("__", 0) == 0) {
      throw std::invalid_argument("bad label name: " + label);
    }
  }
  auto& entry = Add(std::move(name), std::move(help), Kind::kCounter);
  entry.family = std::make_unique<CounterFamily>(std::move(label_names), max_series);
  return *entry.family;
}

void MetricsRegistry::GaugeCallback(std::string name, std::string help,
                                    std::function<double()> read) {
  Add(std::move(name), std::move(help), Kind::kGaugeCallback).read = std::move(read);
}

void MetricsRegistry::CounterCallback(std::string name, std::string help,
                                      std::function<double()> read) {
  Add(std::move(name), std::move(help), Kind::kCounterCallback).read = std::move(read);
}

void MetricsRegistry::HistogramCallback(std::string name, std::string help,
                                        std::function<core::HistogramSnapshot()> read) {
  Add(std::move(name), std::move(help), Kind::kHistogramCallback).read_histogram = std::move(read);
}

std::string MetricsRegistry::Render() const {
  std::string out;
  for (const auto& e : entries_) {
    const bool counter = e->kind == Kind::kCounter || e->kind == Kind::kCounterCallback;
    const char* type = counter                               ? "counter"
                       : e->kind == Kind::kHistogramCallback ? "histogram"
                                                             : "gauge";
    out += "# HELP " + e->name + " " + EscapeHelp(e->help) + "\n";
    out += "# TYPE " + e->name + " " + type + "\n";
    switch (e->kind) {
      case Kind::kCounter:
        for (const auto& [labels, value] : e->family->Collect())
          Sample(out, e->name, LabelSet(e->family->label_names(), labels),
                 static_cast<double>(value));
        break;
      case Kind::kGaugeCallback:
      case Kind::kCounterCallback:
        Sample(out, e->name, "", e->read());
        break;
      case Kind::kHistogramCallback: {
        const auto h = e->read_histogram();
        const std::string bucket = e->name + "_bucket";
        for (std::size_t i = 0; i < h.bounds.size() && i < h.counts.size(); ++i) {
          Sample(out, bucket, LabelSet({}, {}, "le", FormatMetricValue(h.bounds[i])),
                 static_cast<double>(h.counts[i]));
        }
        Sample(out, bucket, LabelSet({}, {}, "le", "+Inf"), static_cast<double>(h.count));
        Sample(out, e->name + "_sum", "", h.sum);
        Sample(out, e->name + "_count", "", static_cast<double>(h.count));
        break;
      }
    }
  }
  return out;
}

}  // namespace authd::net
