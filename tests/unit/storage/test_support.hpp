// Shared helpers for the storage tests (and tests/slow): a temp folder per test, a fixed master
// key, a tiny inline projection, and short-hands to open a log and build events.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/event.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "storage/event_log.hpp"
#include "storage/projection.hpp"

namespace authd::core {
// GoogleTest prints events with this instead of their raw bytes.
inline void PrintTo(const Event& e, std::ostream* os) {
  *os << "{seq " << e.seq << ", type \"" << e.type << "\", stream \"" << e.stream << "\" v"
      << e.version << ", at " << e.at << ", actor " << e.actor.size() << "B, request_id "
      << e.request_id.size() << "B, data " << e.data.size() << " keys, subject \"" << e.subject
      << "\", " << e.sealed.size() << " sealed}";
}
}  // namespace authd::core

namespace authd::storage::test_support {

// A fresh folder under the system temp folder, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "authd-storage-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // A path inside the folder (not created).
  [[nodiscard]] std::string Sub(std::string_view name) const {
    return (std::filesystem::path(path_) / name).string();
  }

 private:
  std::string path_;
};

// A master key with known bytes: 0x00, 0x01, ..., 0x1f (offset by `salt`).
inline core::Key256 FixedMasterKey(std::uint8_t salt = 0) {
  core::Key256 key;
  auto bytes = key.mutable_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i + salt);
  return key;
}

// Counts events per type into its family: key = type, value = decimal count.
// Applying an event of `fail_type` first writes the key "partial" and then fails, so a test can see
// whether a refused Apply leaves anything behind.
class CountingProjection final : public InlineProjection {
 public:
  explicit CountingProjection(std::uint32_t version = 1, std::string name = "counts",
                              std::string fail_type = "")
      : version_(version), name_(std::move(name)), fail_type_(std::move(fail_type)) {}

  [[nodiscard]] std::string_view Name() const override { return name_; }
  [[nodiscard]] std::uint32_t Version() const override { return version_; }
  [[nodiscard]] Result<void> Apply(const core::Event& event, ProjectionStore& store) override {
    if (!fail_type_.empty() && event.type == fail_type_) {
      store.Put("partial", "written before the refusal");
      return core::Errc::kForbidden;
    }
    auto current = store.Get(event.type);
    if (!current) return current.error();
    const std::uint64_t count = current->has_value() ? std::stoull(**current) : 0;
    store.Put(event.type, std::to_string(count + 1));
    return {};
  }

 private:
  std::uint32_t version_;
  std::string name_;
  std::string fail_type_;
};

inline std::vector<std::unique_ptr<InlineProjection>> NoProjections() {
  return {};
}

inline std::vector<std::unique_ptr<InlineProjection>> CountingProjections(
    std::uint32_t version = 1) {
  std::vector<std::unique_ptr<InlineProjection>> out;
  out.push_back(std::make_unique<CountingProjection>(version));
  return out;
}

inline LogOptions Options(const std::string& path) {
  LogOptions o;
  o.path = path;
  return o;
}

// Opens a log or fails the current test (ASSERT-style: use inside ASSERT_NO_FATAL_FAILURE or
// check the pointer).
inline std::unique_ptr<EventLog> OpenOrDie(
    LogOptions options, const core::Clock& clock,
    std::vector<std::unique_ptr<InlineProjection>> projections = CountingProjections(),
    const core::Key256& master = FixedMasterKey()) {
  auto log = EventLog::Open(std::move(options), master, clock, std::move(projections));
  if (!log) {
    ADD_FAILURE() << "EventLog::Open failed: " << log.error().message();
    return nullptr;
  }
  return std::move(*log);
}

inline core::Event MakeEvent(std::string type, std::string stream, boost::json::object data = {}) {
  core::Event e;
  e.type = std::move(type);
  e.stream = std::move(stream);
  e.actor = "usr_actor";
  e.request_id = "req-1";
  e.data = std::move(data);
  return e;
}

// A decision that appends the given events in order.
inline DecideFn AppendAll(std::vector<core::Event> events) {
  return [events = std::move(events)](Txn& txn) -> Result<void> {
    for (const auto& e : events) {
      auto appended = txn.Append(e);
      if (!appended) return appended.error();
    }
    return {};
  };
}

// Holds the writer inside a command until Release(), so that everything submitted meanwhile is
// decided in ONE later group. Destroy it (or Release) before the log closes.
class WriterGate {
 public:
  WriterGate() : release_future_(release_.get_future().share()) {}
  ~WriterGate() { Release(); }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;

  // Submits the holding command and returns once the writer runs it.
  void Hold(EventLog& log) {
    std::promise<void> started;
    auto started_future = started.get_future();
    log.Submit(
        [&started, released = release_future_](Txn&) -> Result<void> {
          started.set_value();
          released.wait();
          return {};
        },
        [](Result<Committed>) {});
    started_future.wait();
  }
  void Release() {
    if (released_) return;
    released_ = true;
    release_.set_value();
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> release_future_;
  bool released_ = false;
};

inline std::vector<std::uint64_t> Seqs(const std::vector<core::Event>& events) {
  std::vector<std::uint64_t> out;
  out.reserve(events.size());
  for (const auto& e : events)
    out.push_back(e.seq);
  return out;
}

}  // namespace authd::storage::test_support
