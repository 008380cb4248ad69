// authd log: the audit export. Events as JSON lines, in log order, secrets never shown and the
// personal data of deleted users as "[erased]".
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <iostream>
#include <limits>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "projections/event_render.hpp"

namespace authd::app {
namespace po = boost::program_options;

int LogCommand(const Args& args) {
  po::options_description desc("authd log options");
  std::string data;
  std::uint64_t after = 0;
  std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  std::string type;
  std::string user;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder")(
      "after", po::value(&after), "only events with a greater sequence number")(
      "limit", po::value(&limit), "at most this many events")(
      "type", po::value(&type), "only events of this type, e.g. user.roles_changed")(
      "user", po::value(&user), "only events of this user's stream (a user id)");
  po::variables_map vm;
  if (auto stop = ParseArgs("log", desc, args, vm)) return *stop;

  auto dir = OpenOrComplain("log", data, {.read_only = true});
  if (!dir) return kExitData;
  const auto& log = *dir->log;
  constexpr std::size_t kPage = 1024;
  std::uint64_t printed = 0;
  std::uint64_t cursor = after;     // seq cursor (range and type reads)
  std::uint64_t stream_cursor = 0;  // version cursor (stream reads)
  while (printed < limit) {
    Result<std::vector<core::Event>> page = !user.empty()
                                                ? log.ReadStream(user, stream_cursor, kPage)
                                            : !type.empty() ? log.ReadByType(type, cursor, kPage)
                                                            : log.ReadRange(cursor, kPage);
    if (!page) {
      Complain("log", "cannot read the log: " + page.error().message());
      return kExitData;
    }
    if (page->empty()) break;
    for (const auto& e : *page) {
      stream_cursor = e.version;
      cursor = e.seq;
      if (e.seq <= after || (!type.empty() && e.type != type)) continue;
      std::cout << boost::json::serialize(projections::RenderEvent(e, log)) << "\n";
      if (++printed >= limit) break;
    }
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitData;
}

}  // namespace authd::app
