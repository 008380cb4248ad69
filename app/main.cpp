// authd: the server and the operator's tools over one data folder.
#include <unistd.h>

#include <iostream>
#include <string>
#include <string_view>

#include "app/commands.hpp"

namespace {

constexpr std::string_view kUsage = R"(usage: authd <command> [options]

commands:
  serve      run the HTTP server            authd serve --data DIR --listen HOST:PORT
  user add   create a user (operator)       authd user add --data DIR --username U --email E
                                                [--role admin] --password-stdin
  log        print events as JSON lines     authd log --data DIR [--after SEQ] [--limit N]
                                                [--type T] [--user ID]
  verify     check the hash chain and that every projection equals its rebuild
  rebuild    rebuild every projection from the log
  replay     the user table as it stood then  authd replay --data DIR --at TIME (or --seq N)
  keys rotate  make a new token signing key (the old one verifies until its tokens expire)

Run `authd <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace authd::app;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "user") {
    if (args.empty() || args[0] != "add") {
      Complain("user", "expected `authd user add ...`");
      return kExitUsage;
    }
    args.erase(args.begin());
    return UserAddCommand(args);
  }
  if (command == "log") return LogCommand(args);
  if (command == "verify") return VerifyCommand(args);
  if (command == "rebuild") return RebuildCommand(args);
  if (command == "serve") return ServeCommand(args);
  if (command == "keys") return KeysCommand(args);
  if (command == "replay") return ReplayCommand(args);
  Complain(command, "unknown command; run `authd --help`");
  return kExitUsage;
}
