#include "bench/summary_reporter.hpp"

#include <algorithm>
#include <iomanip>
#include <set>
#include <sstream>

namespace authd::bench {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

std::string Fixed(double v, int precision) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(precision) << v;
  return s.str();
}

// Rates as whole numbers with thousands separators: 12,345.
std::string Rate(double v) {
  const std::string digits = Fixed(v, 0);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && digits[i - 1] != '-' && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

void SummaryReporter::ReportRuns(const std::vector<Run>& runs) {
  ConsoleReporter::ReportRuns(runs);
  for (const auto& run : runs) {
    // Aggregates (mean, median, ...) are recomputed here from the repetitions themselves.
    if (run.run_type != Run::RT_Iteration || run.error_occurred) continue;
    auto& cell = cells_[{run.run_name.function_name, static_cast<int>(run.threads)}];
    for (const auto& [name, counter] : run.counters) {
      if (name == "items_per_second") {
        cell.rates.push_back(counter.value);
      } else {
        cell.counters[name].push_back(counter.value);
      }
    }
  }
}

double SummaryReporter::MedianRate(const std::string& family, int threads) const {
  auto it = cells_.find({family, threads});
  return it == cells_.end() ? 0 : Median(it->second.rates);
}

double SummaryReporter::MedianCounter(const std::string& family, int threads,
                                      const std::string& counter) const {
  auto it = cells_.find({family, threads});
  if (it == cells_.end()) return -1;
  auto c = it->second.counters.find(counter);
  return c == it->second.counters.end() ? -1 : Median(c->second);
}

void SummaryReporter::PrintFamilies(std::ostream& out) const {
  out << "| benchmark | threads | median items/s | min | max | reps |\n"
      << "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& [key, cell] : cells_) {
    if (cell.rates.empty()) continue;
    const auto [lo, hi] = std::minmax_element(cell.rates.begin(), cell.rates.end());
    out << "| " << key.first << " | " << key.second << " | " << Rate(Median(cell.rates)) << " | "
        << Rate(*lo) << " | " << Rate(*hi) << " | " << cell.rates.size() << " |\n";
  }
}

void SummaryReporter::PrintSummary(std::ostream& out, double min_ratio, double min_scaling) const {
  out << "\n## Medians per benchmark\n\n";
  PrintFamilies(out);

  std::set<int> threads;
  for (const auto& [key, cell] : cells_) {
    if ((key.first == authd_family_ || key.first == raw_family_) && !cell.rates.empty()) {
      threads.insert(key.second);
    }
  }
  if (threads.empty()) return;
  const int base = *threads.begin();
  const double authd_base = MedianRate(authd_family_, base);
  const double raw_base = MedianRate(raw_family_, base);

  out << "\n## " << authd_family_ << " vs " << raw_family_ << " (medians)\n\n"
      << "| concurrency | authd appends/s | raw synced puts/s | ratio authd/raw "
         "| scaling vs 1 producer | raw scaling | authd events/commit (mean, p50, max) "
         "| raw puts/fsync | WAL bytes per write (authd, raw) |\n"
      << "|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  bool ratio_met = true;
  std::string ratio_misses;
  for (int t : threads) {
    const double authd = MedianRate(authd_family_, t);
    const double raw = MedianRate(raw_family_, t);
    const double ratio = raw > 0 ? authd / raw : 0;
    if (ratio < min_ratio) {
      ratio_met = false;
      ratio_misses.push_back(' ');
      ratio_misses.append(std::to_string(t));
    }
    out << "| " << t << " | " << Rate(authd) << " | " << Rate(raw) << " | " << Fixed(ratio, 2)
        << " | " << (authd_base > 0 ? Fixed(authd / authd_base, 2) : "-") << "x | "
        << (raw_base > 0 ? Fixed(raw / raw_base, 2) : "-") << "x | "
        << Fixed(MedianCounter(authd_family_, t, kEventsPerCommit), 1) << ", "
        << Fixed(MedianCounter(authd_family_, t, kGroupP50), 0) << ", "
        << Fixed(MedianCounter(authd_family_, t, kGroupMax), 0) << " | "
        << Fixed(MedianCounter(raw_family_, t, kWritesPerSync), 1) << " | "
        << Fixed(MedianCounter(authd_family_, t, kWalBytesPerWrite), 0) << ", "
        << Fixed(MedianCounter(raw_family_, t, kWalBytesPerWrite), 0) << " |\n";
  }
  const int top = *threads.rbegin();
  const double top_scaling = authd_base > 0 ? MedianRate(authd_family_, top) / authd_base : 0;
  out << "\nGoal: authd >= " << Fixed(min_ratio, 2) << "x raw at every concurrency: "
      << (ratio_met ? "MET" : "NOT MET (missed at" + ratio_misses + ")") << "\n"
      << "Goal: authd at " << top << " >= " << Fixed(min_scaling, 1) << "x authd at " << base
      << ": " << (top_scaling >= min_scaling ? "MET" : "NOT MET") << " (" << Fixed(top_scaling, 2)
      << "x)\n";
  if (const double bytes = MedianCounter(authd_family_, base, kEventBytes); bytes > 0) {
    out << "authd role-change event record: " << Fixed(bytes, 0) << " bytes\n";
  }

  out << "\n## Where the time goes (medians)\n\n"
      << "| concurrency | authd commits/s | raw fsyncs/s | authd writer CPU us/event "
         "| writer busy | authd process CPU us/append | raw process CPU us/put |\n"
      << "|---:|---:|---:|---:|---:|---:|---:|\n";
  for (int t : threads) {
    out << "| " << t << " | " << Fixed(MedianCounter(authd_family_, t, kCommitsPerSecond), 0)
        << " | " << Fixed(MedianCounter(raw_family_, t, kFsyncsPerSecond), 0) << " | "
        << Fixed(MedianCounter(authd_family_, t, kWriterCpuUsPerEvent), 1) << " | "
        << Fixed(100 * MedianCounter(authd_family_, t, kWriterBusy), 0) << "% | "
        << Fixed(MedianCounter(authd_family_, t, kCpuUsPerWrite), 1) << " | "
        << Fixed(MedianCounter(raw_family_, t, kCpuUsPerWrite), 1) << " |\n";
  }
}

}  // namespace authd::bench
