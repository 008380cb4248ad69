// A list of ids kept in one projection row (a user's sessions, API keys, pending mails): a JSON
// array of strings. The owner's row key is the caller's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "storage/projection.hpp"

namespace authd::projections {

// A missing row is the empty list; a row that is not an array of strings is kCorruptRecord.
[[nodiscard]] Result<std::vector<std::string>> LoadIdList(storage::ProjectionStore& store,
                                                          std::string_view key);

// An empty list deletes the row, so a user with nothing left leaves nothing behind.
void StoreIdList(storage::ProjectionStore& store, std::string_view key,
                 const std::vector<std::string>& ids);

}  // namespace authd::projections
