// The one translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION is set at the
// root).
#include <boost/beast/src.hpp>
