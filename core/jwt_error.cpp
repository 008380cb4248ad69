#include "core/jwt_error.hpp"

#include <string>

namespace authd::core {
namespace {

class JwtCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authd.jwt"; }
  std::string message(int ev) const override {
    switch (static_cast<JwtErrc>(ev)) {
      case JwtErrc::kOk:
        return "ok";
      case JwtErrc::kMalformed:
        return "malformed token";
      case JwtErrc::kBadHeader:
        return "bad token header";
      case JwtErrc::kUnsupportedAlg:
        return "unsupported token algorithm";
      case JwtErrc::kUnknownKid:
        return "unknown signing key id";
      case JwtErrc::kBadSignature:
        return "bad token signature";
      case JwtErrc::kExpired:
        return "token expired";
      case JwtErrc::kNotYetValid:
        return "token not yet valid";
      case JwtErrc::kBadIssuer:
        return "wrong token issuer";
      case JwtErrc::kBadAudience:
        return "wrong token audience";
    }
    return "unknown jwt error";
  }
};

}  // namespace

const boost::system::error_category& JwtCategory() noexcept {
  static const JwtCategoryImpl category;
  return category;
}

}  // namespace authd::core
