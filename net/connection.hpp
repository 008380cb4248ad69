// Internal to net/: one accepted TCP connection and its request loop. Not part of the public API.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "net/server_state.hpp"

namespace authd::net::detail {

// Takes an accepted socket whose executor is one of the server's io_contexts, each run by exactly
// one thread: the connection's handlers never run concurrently, without the cost of a strand. If
// the server has room (ServerState::TryRegister) the request loop is started there; otherwise the
// canned 503 is written without blocking and the socket closed.
void StartConnection(const std::shared_ptr<ServerState>& state,
                     boost::asio::ip::tcp::socket socket);

}  // namespace authd::net::detail
