// Storage errors. RocksDB's Status is translated to these in exactly one place (error.cpp).
#pragma once

#include <boost/system/error_code.hpp>
#include <type_traits>

namespace rocksdb {
class Status;
}

namespace authd::storage {

enum class Errc {
  kOk = 0,
  kIoError,          // the disk refused a read or write; nothing of the batch was written
  kNoSpace,          // out of disk space; nothing of the batch was written
  kCorruption,       // a checksum or the hash chain does not match
  kLocked,           // another process has the data folder open
  kClosed,           // the log is shutting down
  kOverloaded,       // the writer queue is full; try again later
  kInvalidArgument,  // bad options, or a data folder that is not an authd log
  kNotFound,
  kWrongMasterKey,  // the master key does not open this log's key check
  kConflict,        // something that must be created once already exists
};

const boost::system::error_category& StorageCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {  // NOLINT: ADL hook name
  return {static_cast<int>(e), StorageCategory()};
}

// Maps a non-ok RocksDB status to a storage error.
[[nodiscard]] Errc FromStatus(const rocksdb::Status& s) noexcept;

// True for errors a caller should report as 503 "storage unavailable" (retry may succeed).
[[nodiscard]] bool IsUnavailable(const boost::system::error_code& ec) noexcept;

}  // namespace authd::storage

template <>
struct boost::system::is_error_code_enum<authd::storage::Errc> : std::true_type {};
