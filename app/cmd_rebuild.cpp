// authd rebuild: drops every projection's state and rebuilds it from the log.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"

namespace authd::app {
namespace po = boost::program_options;

int RebuildCommand(const Args& args) {
  po::options_description desc("authd rebuild options");
  std::string data;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder");
  po::variables_map vm;
  if (auto stop = ParseArgs("rebuild", desc, args, vm)) return *stop;
  auto dir = OpenOrComplain("rebuild", data, {.read_only = false});
  if (!dir) return kExitData;
  auto& log = *dir->log;
  for (auto* projection : log.Projections()) {
    const std::string name(projection->Name());
    Progress progress("rebuild " + name);
    auto rebuilt = log.Rebuild(name, std::ref(progress));
    progress.Finish();
    if (!rebuilt) {
      Complain("rebuild", name + ": " + rebuilt.error().message());
      return kExitData;
    }
    std::cout << "projection " << name << ": rebuilt to seq " << log.Head() << "\n";
  }
  return kExitOk;
}

}  // namespace authd::app
