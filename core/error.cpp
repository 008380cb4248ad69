#include "core/error.hpp"

#include <string>

namespace authd::core {
namespace {

class CoreCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authd.core"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "ok";
      case Errc::kValidationFailed:
        return "validation failed";
      case Errc::kUsernameTaken:
        return "username taken";
      case Errc::kEmailTaken:
        return "email taken";
      case Errc::kNotFound:
        return "not found";
      case Errc::kInvalidCredentials:
        return "invalid credentials";
      case Errc::kAccountDisabled:
        return "account disabled";
      case Errc::kForbidden:
        return "forbidden";
      case Errc::kLastAdmin:
        return "the last admin cannot lose the admin role";
      case Errc::kConflict:
        return "conflict";
      case Errc::kCorruptRecord:
        return "corrupt event record";
      case Errc::kDecryptFailed:
        return "sealed data failed authentication";
      case Errc::kKeyErased:
        return "data key erased";
      case Errc::kCryptoFailure:
        return "crypto failure";
      case Errc::kInvalidMfaCode:
        return "invalid second-factor code";
    }
    return "unknown core error";
  }
};

}  // namespace

const boost::system::error_category& CoreCategory() noexcept {
  static const CoreCategoryImpl category;
  return category;
}

}  // namespace authd::core
