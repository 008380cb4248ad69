// argon2id on the bounded hashing pool, awaited from a handler. The I/O thread never hashes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/password_hash.hpp"
#include "net/services.hpp"

namespace authd::net {

// net::Errc::kServerBusy when the pool is full; else the hash (or its core error).
// Arguments are references (the caller stays suspended until the job is done) so that no
// temporary string sits in the caller's co_await expression (see passwords.cpp).
[[nodiscard]] boost::asio::awaitable<Result<std::string>> HashPassword(Services& s,
                                                                       const std::string& password);

// net::Errc::kServerBusy when the pool is full; else the outcome.
// Handlers that look something up first ask HashingFull() before: a refused login then costs no
// database read (shedding a flood costs little more than answering /healthz).
[[nodiscard]] boost::asio::awaitable<Result<core::VerifyOutcome>> VerifyPassword(
    Services& s, const std::string& phc, const std::string& password);

// True when every hashing slot is taken, so a hash asked for now would get kServerBusy. Only a
// cheap early answer: TryRun still decides for the request that goes on.
[[nodiscard]] bool HashingFull(const Services& s) noexcept;

}  // namespace authd::net
