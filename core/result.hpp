// Result type shared by every module: expected failures are values, not exceptions.
#pragma once

#include <boost/system/result.hpp>

namespace authd {

// Result<T> holds a T or a boost::system::error_code. Modules define their own error enums and
// categories (core::Errc, storage::Errc) and return them through this one type.
template <class T>
using Result = boost::system::result<T>;

using ErrorCode = boost::system::error_code;

}  // namespace authd
