// The OpenAPI 3.1 document of the whole v1 contract, served at GET /openapi.json. A test keeps
// it in step with the router: every route is documented and every documented path is routed.
#pragma once

#include <boost/json/object.hpp>

namespace authd::net {

[[nodiscard]] const boost::json::object& OpenApiDocument();

}  // namespace authd::net
