#include "net/errors.hpp"

#include <string>

namespace authd::net {
namespace {

class NetCategoryImpl final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "authd.net"; }
  std::string message(int ev) const override {
    switch (static_cast<Errc>(ev)) {
      case Errc::kOk:
        return "ok";
      case Errc::kMalformedJson:
        return "malformed JSON body";
      case Errc::kUnsupportedMediaType:
        return "unsupported media type";
      case Errc::kPayloadTooLarge:
        return "payload too large";
      case Errc::kHeadersTooLarge:
        return "request header fields too large";
      case Errc::kMalformedRequest:
        return "malformed HTTP request";
      case Errc::kNotFound:
        return "not found";
      case Errc::kMethodNotAllowed:
        return "method not allowed";
      case Errc::kServerBusy:
        return "server busy";
      case Errc::kInternal:
        return "internal error";
    }
    return "unknown net error";
  }
};

}  // namespace

const boost::system::error_category& NetCategory() noexcept {
  static const NetCategoryImpl category;
  return category;
}

}  // namespace authd::net
