#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"

namespace authd::app {

std::optional<int> ParseArgs(std::string_view command,
                             boost::program_options::options_description& desc, const Args& args,
                             boost::program_options::variables_map& vm) {
  namespace po = boost::program_options;
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help") != 0U) {
      std::cout << desc;
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    Complain(command, e.what());
    return kExitUsage;
  }
  return std::nullopt;
}

std::unique_ptr<DataDir> OpenOrComplain(std::string_view command, const std::string& path,
                                        OpenMode mode) {
  std::string why;
  auto dir = OpenDataDir(path, mode, why);
  if (!dir) {
    Complain(command, why);
    return nullptr;
  }
  return std::move(*dir);
}

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
