#include "storage/error.hpp"

#include <rocksdb/status.h>

#include <string>

namespace authd::storage {
namespace {

class StorageCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authd.storage"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "ok";
      case Errc::kIoError:
        return "storage I/O error";
      case Errc::kNoSpace:
        return "no space left on the storage device";
      case Errc::kCorruption:
        return "storage corruption detected";
      case Errc::kLocked:
        return "data folder is locked by another process";
      case Errc::kClosed:
        return "event log is closed";
      case Errc::kOverloaded:
        return "event log writer queue is full";
      case Errc::kInvalidArgument:
        return "invalid storage argument";
      case Errc::kNotFound:
        return "not found";
      case Errc::kConflict:
        return "already exists";
      case Errc::kWrongMasterKey:
        return "the master key does not match this event log";
    }
    return "unknown storage error";
  }
};

}  // namespace

const boost::system::error_category& StorageCategory() noexcept {
  static const StorageCategoryImpl category;
  return category;
}

Errc FromStatus(const rocksdb::Status& s) noexcept {
  if (s.ok()) return Errc::kOk;
  if (s.IsNoSpace()) return Errc::kNoSpace;
  if (s.IsCorruption()) return Errc::kCorruption;
  if (s.IsNotFound()) return Errc::kNotFound;
  if (s.IsInvalidArgument()) return Errc::kInvalidArgument;
  if (s.IsShutdownInProgress()) return Errc::kClosed;
  if (s.IsIOError()) {
    // RocksDB reports a held LOCK file as an IOError whose text names the lock.
    // Only RocksDB's own words about its LOCK file: a path that merely contains "lock" (say
    // /srv/blocks) must not turn every I/O error into "locked".
    const std::string text = s.ToString();
    if (text.find("lock hold by current process") != std::string::npos ||
        text.find("While lock file") != std::string::npos) {
      return Errc::kLocked;
    }
    if (s.subcode() == rocksdb::Status::kNoSpace) return Errc::kNoSpace;
    return Errc::kIoError;
  }
  return Errc::kIoError;
}

bool IsUnavailable(const boost::system::error_code& ec) noexcept {
  if (ec.category() != StorageCategory()) return false;
  switch (static_cast<Errc>(ec.value())) {
    case Errc::kIoError:
    case Errc::kNoSpace:
    case Errc::kClosed:
    case Errc::kOverloaded:
      return true;
    default:
      return false;
  }
}

}  // namespace authd::storage
