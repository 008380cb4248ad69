// The `authd` subcommands. Each takes the arguments after its name and returns the exit status:
// 0 success, 1 the check failed (verify), 2 bad usage, 3 data folder or storage problem.
#pragma once

#include <string>
#include <vector>

namespace authd::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitData = 3;

using Args = std::vector<std::string>;

int UserAddCommand(const Args& args);
int LogCommand(const Args& args);
int VerifyCommand(const Args& args);
int RebuildCommand(const Args& args);
int ServeCommand(const Args& args);
int KeysCommand(const Args& args);
int ReplayCommand(const Args& args);

// Writes "authd <cmd>: <message>" to stderr.
void Complain(std::string_view command, std::string_view message);

// Shows "label: done/total (pct%)" on stderr, only when stderr is a terminal, at most ~10/s.
class Progress {
 public:
  explicit Progress(std::string label);
  void operator()(std::uint64_t done, std::uint64_t total);
  void Finish();

 private:
  std::string label_;
  bool tty_;
  long long last_ms_ = 0;
  bool shown_ = false;
};

}  // namespace authd::app
