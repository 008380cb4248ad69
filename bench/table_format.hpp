// Number formatting and medians for the Markdown tables the benchmarks print.
#pragma once

#include <string>
#include <vector>

namespace authd::bench {

// The median (mean of the middle two for an even count); 0 for none.
[[nodiscard]] double Median(std::vector<double> values);
// Rounded to an integer, with thousands separators: 1234567.8 -> "1,234,568".
[[nodiscard]] std::string Thousands(double value);
// Fixed-point with `decimals` digits: Fixed(3.14159, 2) -> "3.14".
[[nodiscard]] std::string Fixed(double value, int decimals);

}  // namespace authd::bench
