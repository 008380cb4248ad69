// Where RocksDB's own diagnostics go. RocksDB normally appends them to a LOG file inside the
// database folder; authd never writes that file: on a full disk, a failed write to it followed by
// the next message aborts the whole process in librocksdb builds with assertions on (Debian's
// librocksdb7.8: WritableFileWriter::AssertFalseAndGetStatusForPrevError), and a diagnostics file
// must not compete with the event log for the last free bytes anyway. Instead, warnings and
// errors (a background write error, a failed flush...) go to this sink, one message per call.
#pragma once

#include <functional>
#include <string_view>

namespace authd::storage {

using RocksDbMessageSink = std::function<void(std::string_view message)>;

// Sets the process-wide sink; without one (or with an empty one) the messages are dropped. Called
// from any RocksDB thread, so the sink must be thread-safe and must not block. Takes effect for
// messages logged after it returns; set it once at start-up before opening a log.
void SetRocksDbMessageSink(RocksDbMessageSink to);

}  // namespace authd::storage
