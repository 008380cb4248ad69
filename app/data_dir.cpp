#include "app/data_dir.hpp"

#include <cstdlib>
#include <filesystem>

#include "projections/api_keys.hpp"
#include "projections/session_table.hpp"
#include "projections/throttle_table.hpp"
#include "projections/user_table.hpp"
#include "storage/error.hpp"
#include "storage/master_key.hpp"

namespace authd::app {

std::vector<std::unique_ptr<storage::InlineProjection>> MakeProjections() {
  std::vector<std::unique_ptr<storage::InlineProjection>> out;
  out.push_back(std::make_unique<projections::UserTable>());
  out.push_back(std::make_unique<projections::SessionTable>());
  out.push_back(std::make_unique<projections::ApiKeyTable>());
  out.push_back(std::make_unique<projections::ThrottleTable>());
  return out;
}

Result<std::unique_ptr<DataDir>> OpenDataDir(const std::string& path, OpenMode mode,
                                             std::string& why) {
  auto dir = std::make_unique<DataDir>();
  dir->path = path;
  std::error_code ec;
  if (mode.read_only && !std::filesystem::is_directory(path, ec)) {
    why = "data folder " + path + " does not exist";
    return storage::Errc::kNotFound;
  }
  if (!mode.read_only) {
    std::filesystem::create_directories(path, ec);
    if (ec) {
      why = "cannot create data folder " + path + ": " + ec.message();
      return storage::Errc::kIoError;
    }
  }

  const char* env = std::getenv("AUTHD_MASTER_KEY");
  const std::string key_file = (std::filesystem::path(path) / "master.key").string();
  auto master = storage::LoadMasterKey(env != nullptr ? env : "", key_file,
                                       mode.create_master_key && !mode.read_only);
  if (!master) {
    if (master.error() == storage::Errc::kNotFound) {
      why = "no master key: set AUTHD_MASTER_KEY or provide " + key_file;
    } else if (master.error() == storage::Errc::kInvalidArgument) {
      why =
          "the master key is malformed, or its file is readable by group or others "
          "(it must be mode 0600)";
    } else {
      why = "cannot read the master key: " + master.error().message();
    }
    return master.error();
  }
  dir->master_key_source = master->source;
  dir->master_key_created = master->created;

  storage::LogOptions options;
  options.path = (std::filesystem::path(path) / "log").string();
  options.read_only = mode.read_only;
  options.sync = mode.sync;
  auto log = storage::EventLog::Open(options, master->key, dir->clock, MakeProjections());
  if (!log) {
    const auto& e = log.error();
    if (e == storage::Errc::kLocked) {
      why = "data folder " + path + " is in use by another authd process";
    } else if (e == storage::Errc::kWrongMasterKey) {
      why = "the master key does not match the event log in " + path +
            " (check AUTHD_MASTER_KEY or " + key_file + ")";
    } else if (e == storage::Errc::kNotFound) {
      why = "data folder " + path + " holds no event log";
    } else if (e == storage::Errc::kCorruption) {
      why = "the event log in " + path + " is corrupt; run `authd verify` to locate it";
    } else if (e == storage::Errc::kInvalidArgument) {
      why = "data folder " + path + " does not hold an authd event log of a known format";
    } else {
      why = "cannot open the event log in " + path + ": " + e.message();
    }
    return e;
  }
  dir->log = std::move(*log);
  dir->commands = std::make_unique<projections::UserCommands>(
      projections::DeriveKey(master->key, "unique-index"));
  dir->users = std::make_unique<projections::UserDirectory>(*dir->log, *dir->commands);
  dir->refresh_key = projections::DeriveKey(master->key, "refresh-token");
  dir->api_key_key = projections::DeriveKey(master->key, "api-key");
  dir->throttle_key = projections::DeriveKey(master->key, "client-address");
  dir->csrf_key = projections::DeriveKey(master->key, "csrf-token");
  return dir;
}

}  // namespace authd::app
