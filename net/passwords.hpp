// argon2id on the bounded hashing pool, awaited from a handler. The I/O thread never hashes.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "core/password_hash.hpp"
#include "net/services.hpp"

namespace authd::net {

// net::Errc::kServerBusy when the pool is full; else the hash (or its core error).
[[nodiscard]] boost::asio::awaitable<Result<std::string>> HashPassword(Services& s,
                                                                       std::string password);

// net::Errc::kServerBusy when the pool is full; else the outcome.
[[nodiscard]] boost::asio::awaitable<Result<core::VerifyOutcome>> VerifyPassword(
    Services& s, std::string phc, std::string password);

}  // namespace authd::net
