// authd verify: proof that nobody rewrote history. Checks the whole hash chain, then that every
// projection equals a fresh rebuild from the log. Exit 0 only if all hold; a projection stored by
// an older authd (rebuilt on the next start) is reported as outdated and does not fail.
#include <boost/program_options.hpp>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "storage/verify.hpp"

namespace authd::app {
namespace po = boost::program_options;

int VerifyCommand(const Args& args) {
  po::options_description desc("authd verify options");
  std::string data;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder");
  po::variables_map vm;
  if (auto stop = ParseArgs("verify", desc, args, vm)) return *stop;

  auto dir = OpenOrComplain("verify", data, {.read_only = true});
  if (!dir) return kExitData;
  const auto& log = *dir->log;
  Progress chain_progress("verify chain");
  auto chain = storage::VerifyChain(log, std::ref(chain_progress));
  chain_progress.Finish();
  if (!chain) {
    Complain("verify", "cannot read the log: " + chain.error().message());
    return kExitData;
  }
  bool ok = true;
  if (chain->first_bad) {
    std::cout << "chain: FAILED at seq " << *chain->first_bad << ": " << chain->reason << "\n";
    ok = false;
  } else {
    std::cout << "chain: ok (" << chain->checked << " events)\n";
  }
  for (auto& projection : MakeProjections()) {
    Progress progress("verify " + std::string(projection->Name()));
    auto report = storage::VerifyProjection(log, *projection, std::ref(progress));
    progress.Finish();
    if (!report) {
      std::cout << "projection " << projection->Name()
                << ": FAILED: cannot rebuild: " << report.error().message() << "\n";
      ok = false;
    } else if (report->outdated) {
      // Not a fault: a newer authd changed how it stores this projection.
      std::cout << "projection " << report->name << ": outdated: " << report->difference << "\n";
    } else if (!report->equal) {
      std::cout << "projection " << report->name << ": FAILED: " << report->difference << "\n";
      ok = false;
    } else {
      std::cout << "projection " << report->name << ": ok\n";
    }
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace authd::app
