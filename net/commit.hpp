// Awaiting the event-log writer from a handler coroutine.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "net/offload.hpp"
#include "storage/error.hpp"
#include "storage/event_log.hpp"

namespace authd::net {

// Submits the decision and resumes on the caller's executor once the group holding it has been
// committed (or refused). Never blocks an I/O thread.
[[nodiscard]] inline boost::asio::awaitable<Result<storage::Committed>> Commit(
    storage::EventLog& log, storage::DecideFn decide) {
  return AwaitCompletion<Result<storage::Committed>>(
      [&log, decide = std::move(decide)](Completion<Result<storage::Committed>> done) mutable {
        log.Submit(std::move(decide), [done](Result<storage::Committed> r) { done(std::move(r)); });
      },
      Result<storage::Committed>(storage::Errc::kClosed));
}

}  // namespace authd::net
