// Offline checks of a log: the hash chain and that every projection equals a fresh rebuild.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "storage/event_log.hpp"

namespace authd::storage {

struct ChainReport {
  std::uint64_t checked = 0;               // records that verified
  std::optional<std::uint64_t> first_bad;  // the first sequence number that does not verify
  std::string reason;                      // why, in plain words (no record contents)
};

// Walks every record from seq 1: each must decode, carry the next sequence number, link to the
// previous hash, and hash to its stored hash; the last must match the recorded head.
[[nodiscard]] Result<ChainReport> VerifyChain(
    const EventLog& log, const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

struct ProjectionReport {
  std::string name;
  bool equal = false;
  // Stored by another version of the projection (a new authd, not yet started on this folder):
  // not compared; the next read-write open rebuilds it. `difference` says which versions.
  bool outdated = false;
  std::string difference;  // the first differing key (hex) and how it differs, when not equal
};

// Rebuilds the projection in memory from the whole log and compares byte for byte with the
// stored family, and checks its checkpoint is the head. A family stored by another version of the
// projection is reported `outdated` without a rebuild.
[[nodiscard]] Result<ProjectionReport> VerifyProjection(
    const EventLog& log, InlineProjection& projection,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress = {});

}  // namespace authd::storage
