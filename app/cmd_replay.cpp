// authd replay: the user table, roles included, as it stood at a past moment. Replays the log's
// events up to that moment into a fresh in-memory user table (the same projection the server
// keeps) and prints one JSON line per user, ordered by id. Personal fields are opened with the
// data key as it is NOW: a user deleted since shows "[erased]", because erasure must hold for
// every view of the past too.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <iostream>

#include "app/command_line.hpp"
#include "app/commands.hpp"
#include "app/data_dir.hpp"
#include "core/event_codec.hpp"
#include "net/render.hpp"
#include "projections/user_record.hpp"
#include "projections/user_table.hpp"
#include "storage/memory_store.hpp"

namespace authd::app {
namespace po = boost::program_options;
namespace {

constexpr std::string_view kUserRowPrefix = "u/";

}  // namespace

int ReplayCommand(const Args& args) {
  po::options_description desc("authd replay options (give --at or --seq)");
  std::string data;
  std::string at_text;
  std::uint64_t seq_limit = 0;
  desc.add_options()("data", po::value(&data)->default_value("./data"), "data folder")(
      "at", po::value(&at_text),
      "RFC 3339 time, e.g. 2026-01-01T12:00:00Z: apply events committed at or before it")(
      "seq", po::value(&seq_limit), "apply events up to and including this sequence number");
  po::variables_map vm;
  if (auto stop = ParseArgs("replay", desc, args, vm)) return *stop;
  const bool by_time = vm.count("at") != 0U;
  if (by_time == (vm.count("seq") != 0U)) {
    Complain("replay", "give exactly one of --at TIME or --seq N");
    return kExitUsage;
  }
  core::Micros at = 0;
  if (by_time) {
    auto parsed = core::ParseRfc3339(at_text);
    if (!parsed) {
      Complain("replay", "--at must be an RFC 3339 time, e.g. 2026-01-01T12:00:00Z");
      return kExitUsage;
    }
    at = *parsed;
  }

  auto dir = OpenOrComplain("replay", data, {.read_only = true});
  if (!dir) return kExitData;
  const auto& log = *dir->log;
  const std::uint64_t head = log.Head();

  // Commit times never go backwards (the writer clamps them), so the first event after `at` ends
  // the replay.
  projections::UserTable table;
  storage::MemoryProjectionStore store;
  Result<void> failure;
  Progress progress("replay");
  auto scanned = log.ScanRaw(0, [&](std::uint64_t seq, std::string_view bytes) {
    if (!by_time && seq > seq_limit) return false;
    auto event = core::DecodeEvent(bytes);
    if (!event) {
      failure = event.error();
      return false;
    }
    if (by_time && event->at > at) return false;
    if (auto applied = table.Apply(*event, store); !applied) {
      failure = applied.error();
      return false;
    }
    if (seq % 4096 == 0) progress(seq, head);
    return true;
  });
  progress.Finish();
  if (!scanned || !failure) {
    const auto& e = !scanned ? scanned.error() : failure.error();
    Complain("replay", "cannot replay the log: " + e.message() + " (run `authd verify`)");
    return kExitData;
  }

  for (const auto& [key, value] : store.data()) {
    if (key.rfind(kUserRowPrefix, 0) != 0) continue;
    auto record = projections::DecodeUserRecord(value);
    if (!record) {
      Complain("replay", "a replayed user row does not decode: " + record.error().message());
      return kExitData;
    }
    auto view = dir->users->View(*record);
    if (!view) {
      Complain("replay",
               "cannot open the personal fields of " + record->id + ": " + view.error().message());
      return kExitData;
    }
    std::cout << boost::json::serialize(net::UserJson(*view)) << "\n";
  }
  std::cout.flush();
  return std::cout ? kExitOk : kExitData;
}

}  // namespace authd::app
