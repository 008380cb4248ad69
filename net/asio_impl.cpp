// The one translation unit that compiles Asio (BOOST_ASIO_SEPARATE_COMPILATION is set at the root).
#include <boost/asio/impl/src.hpp>
