#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/commands.hpp"

namespace authd::app {

void Complain(std::string_view command, std::string_view message) {
  std::cerr << "authd " << command << ": " << message << "\n";
}

Progress::Progress(std::string label) : label_(std::move(label)), tty_(::isatty(2) == 1) {}

void Progress::operator()(std::uint64_t done, std::uint64_t total) {
  if (!tty_) return;
  using namespace std::chrono;
  const long long now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
  if (now - last_ms_ < 100 && done != total) return;
  last_ms_ = now;
  shown_ = true;
  const double pct =
      total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total);
  std::fprintf(stderr, "\r%s: %llu/%llu (%.0f%%)", label_.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), pct);
  std::fflush(stderr);
}

void Progress::Finish() {
  if (tty_ && shown_) std::fprintf(stderr, "\n");
}

}  // namespace authd::app
