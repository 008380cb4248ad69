// authd keys rotate: makes a new token signing key. The old key keeps verifying the tokens it
// signed until they expire (JWKS lists it until then); new tokens are signed with the new key.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "core/ids.hpp"
#include "projections/signing_keys.hpp"

namespace authd::app {
namespace po = boost::program_options;

int KeysCommand(const Args& args) {
  if (args.empty() || args[0] != "rotate") {
    Complain("keys", "expected `authd keys rotate --data DIR`");
    return kExitUsage;
  }
  po::options_description desc("authd keys rotate options");
  std::string data;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder");
  po::variables_map vm;
  if (auto stop = ParseArgs("keys", desc, Args(args.begin() + 1, args.end()), vm)) return *stop;
  auto dir = OpenOrComplain("keys", data, {.read_only = false});
  if (!dir) return kExitData;
  core::RandomIdGenerator ids(dir->clock);
  auto keys = projections::SigningKeys::Load(*dir->log, ids);
  if (!keys) {
    Complain("keys", "cannot load the signing keys: " + keys.error().message());
    return kExitData;
  }
  const std::string old_kid = (*keys)->Current()->kid;
  if (auto rotated = (*keys)->Rotate(*dir->log, ids); !rotated) {
    Complain("keys", "cannot rotate: " + rotated.error().message());
    return kExitData;
  }
  std::cout << boost::json::serialize(
                   boost::json::object{{"kid", (*keys)->Current()->kid}, {"retired", old_kid}})
            << "\n";
  return kExitOk;
}

}  // namespace authd::app
