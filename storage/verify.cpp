#include "storage/verify.hpp"

#include "core/event_codec.hpp"
#include "core/hashing.hpp"
#include "storage/memory_store.hpp"

namespace authd::storage {
namespace {

std::string HexKey(std::string_view key) {
  return core::ToHex({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()});
}

}  // namespace

Result<ChainReport> VerifyChain(const EventLog& log,
                                const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  ChainReport report;
  core::Digest prev = core::kGenesisHash;
  std::uint64_t expected = 1;
  const std::uint64_t head = log.Head();
  auto fail = [&](std::uint64_t seq, std::string why) {
    report.first_bad = seq;
    report.reason = std::move(why);
    return false;
  };
  auto scanned = log.ScanRaw(0, [&](std::uint64_t seq, std::string_view bytes) {
    if (seq != expected) return fail(expected, "missing record (sequence gap)");
    std::size_t body = 0;
    auto event = core::DecodeEvent(bytes, &body);
    if (!event) return fail(seq, "record does not decode");
    if (event->seq != seq) return fail(seq, "record carries another sequence number");
    if (event->prev_hash != prev)
      return fail(seq, "prev_hash does not link to the previous record");
    if (core::ChainHash(prev, bytes.substr(0, body)) != event->hash) {
      return fail(seq, "hash does not match the record's contents");
    }
    prev = event->hash;
    ++expected;
    ++report.checked;
    if (progress && seq % 65536 == 0) progress(seq, head);
    return true;
  });
  if (!scanned) {
    // A checksum failure inside RocksDB is corruption at the record being read.
    report.first_bad = expected;
    report.reason = "storage reports corruption: " + scanned.error().message();
    return report;
  }
  if (!report.first_bad) {
    if (report.checked != head) {
      report.first_bad = report.checked + 1;
      report.reason = "log ends before the recorded head";
    } else if (prev != log.HeadHash()) {
      report.first_bad = head;
      report.reason = "last hash differs from the recorded head hash";
    }
  }
  if (progress) progress(report.checked, head);
  return report;
}

Result<ProjectionReport> VerifyProjection(
    const EventLog& log, InlineProjection& projection,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  ProjectionReport report;
  report.name = std::string(projection.Name());
  const std::uint64_t head = log.Head();
  if (const auto stored = log.Checkpoint(report.name).first;
      stored != 0 && stored != projection.Version()) {
    report.outdated = true;
    report.difference = "stored as version " + std::to_string(stored) +
                        ", this authd builds version " + std::to_string(projection.Version()) +
                        ": the next `authd serve` (or `authd rebuild " + report.name +
                        "`) rebuilds it from the log";
    return report;
  }
  MemoryProjectionStore fresh;
  Result<void> failure;
  auto scanned = log.ScanRaw(0, [&](std::uint64_t seq, std::string_view bytes) {
    auto event = core::DecodeEvent(bytes);
    if (!event) {
      failure = event.error();
      return false;
    }
    if (auto applied = projection.Apply(*event, fresh); !applied) {
      failure = applied.error();
      return false;
    }
    if (progress && seq % 65536 == 0) progress(seq, head);
    return true;
  });
  if (!scanned) return scanned.error();
  if (!failure) return failure.error();

  const auto& want = fresh.data();
  auto next = want.begin();
  std::string difference;
  const std::string family = "proj_" + report.name;
  auto compared = log.Scan(family, "", "", [&](std::string_view key, std::string_view value) {
    if (next == want.end() || next->first > key) {
      difference = "stored key " + HexKey(key) + " is not in the rebuild";
      return false;
    }
    if (next->first < key) {
      difference = "rebuilt key " + HexKey(next->first) + " is missing from the stored state";
      return false;
    }
    if (next->second != value) {
      difference = "value of key " + HexKey(key) + " differs from the rebuild";
      return false;
    }
    ++next;
    return true;
  });
  if (!compared) return compared.error();
  if (difference.empty() && next != want.end()) {
    difference = "rebuilt key " + HexKey(next->first) + " is missing from the stored state";
  }
  if (difference.empty()) {
    auto [version, seq] = log.Checkpoint(report.name);
    if (version != projection.Version() || seq != head) {
      difference =
          "checkpoint is at seq " + std::to_string(seq) + ", head is " + std::to_string(head);
    }
  }
  report.equal = difference.empty();
  report.difference = std::move(difference);
  return report;
}

}  // namespace authd::storage
