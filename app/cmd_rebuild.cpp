// authd rebuild: drops every projection's state and rebuilds it from the log.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/commands.hpp"
#include "app/data_dir.hpp"

namespace authd::app {
namespace po = boost::program_options;

int RebuildCommand(const Args& args) {
  po::options_description desc("authd rebuild options");
  std::string data;
  desc.add_options()("help,h", "show this help")("data", po::value(&data)->default_value("./data"),
                                                 "data folder");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help") != 0U) {
      std::cout << desc;
      return kExitOk;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    Complain("rebuild", e.what());
    return kExitUsage;
  }
  std::string why;
  auto dir = OpenDataDir(data, {.read_only = false}, why);
  if (!dir) {
    Complain("rebuild", why);
    return kExitData;
  }
  auto& log = *(*dir)->log;
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
