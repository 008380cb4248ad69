// The contract between the event log and the projections that are built from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "core/result.hpp"

namespace authd::storage {

// What a projection may touch while applying an event: its own column family, with
// read-your-own-writes inside the batch being built. Not thread-safe; valid only during Apply.
class ProjectionStore {
 public:
  virtual ~ProjectionStore() = default;
  [[nodiscard]] virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;
};

// An inline projection keeps no state of its own outside the store (so a fresh rebuild and the
// live instance agree). It is updated in the same WriteBatch as the events it applies, so a read
// after a 2xx sees the write and a crash leaves state and checkpoint in step.
//
// Apply must be deterministic: rebuilding from the log must give the same bytes as applying the
// events one group at a time (`authd verify` checks this). It runs on the writer thread.
class InlineProjection {
 public:
  virtual ~InlineProjection() = default;
  // Family name is "proj_" + Name(). Letters, digits and '_' only.
  [[nodiscard]] virtual std::string_view Name() const = 0;
  // Bump when the stored shape changes: the projection is then rebuilt on start.
  [[nodiscard]] virtual std::uint32_t Version() const = 0;
  // An error aborts the command whose event is being applied.
  [[nodiscard]] virtual Result<void> Apply(const core::Event& event, ProjectionStore& store) = 0;
};

}  // namespace authd::storage
