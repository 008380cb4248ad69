// The one translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION is set at the root),
// its SSL part (TLS, net/tls.cpp) included.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
