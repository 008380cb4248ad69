// Reading a /metrics page (Prometheus text format) in tests.
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace authd::test {

// The value of the sample whose name-and-labels part is exactly `series`, or nullopt.
inline std::optional<double> Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return std::nullopt;
}

}  // namespace authd::test
