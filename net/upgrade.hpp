// Internal to net/: what a connection hands to a RequestContext::upgrade function. Includes Beast:
// only the connection and the WebSocket code include it.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "net/http_types.hpp"

namespace authd::net {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

struct UpgradedStream {
  // The connection's TCP stream (over TLS: the lowest layer, for timeouts, socket options and
  // close); its executor is the connection's I/O thread's. Owned by the connection, which stays
  // registered with the server (connection cap, Stop()) while the upgrade runs. Stop() cancels
  // its pending operations, and closes it after the grace period.
  boost::beast::tcp_stream& stream;
  // The upgrade request, as the handler saw it.
  const Request& request;
  // Over TLS: the stream to read and write (its lowest layer is `stream`); null for plain TCP.
  TlsStream* tls = nullptr;
};

}  // namespace authd::net
