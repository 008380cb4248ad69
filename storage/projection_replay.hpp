// Replaying the log into inline projections: catch-up on start, rebuild, and the in-memory
// rebuild that `authd verify` compares against. Internal to storage/ except MemoryProjectionStore.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "storage/group_builder.hpp"
#include "storage/projection.hpp"
#include "storage/rocks.hpp"

namespace authd::storage {

using Progress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// {version, seq} of a projection's checkpoint; {0, 0} when it has none.
[[nodiscard]] std::pair<std::uint32_t, std::uint64_t> ReadCheckpoint(const Rocks& rocks,
                                                                     std::string_view name);

// Deletes every key of the projection's family and its checkpoint.
[[nodiscard]] Result<void> ClearProjection(Rocks& rocks, const ProjectionSlot& slot);

// Brings the projection up to `head`: cleared and rebuilt when its version changed, else replayed
// from its checkpoint. Commits in chunks, each with its checkpoint, so an interrupted catch-up
// resumes where it stopped.
[[nodiscard]] Result<void> CatchUp(Rocks& rocks, const ProjectionSlot& slot, std::uint64_t head,
                                   const Progress& progress);

}  // namespace authd::storage
