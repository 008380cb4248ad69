#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <fstream>

namespace authd::net {
namespace {

namespace ssl = boost::asio::ssl;

// OpenSSL's reason for the last failure ("no start line", "key values mismatch"...): the error
// queue holds library and reason names, not the bytes of the file.
std::string OpenSslReason() {
  unsigned long last = 0;
  while (const unsigned long e = ERR_get_error())
    last = e;
  if (last == 0) return "unknown error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "error " + std::to_string(last);
}

bool Readable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in.good() && in.peek() != std::ifstream::traits_type::eof();
}

}  // namespace

std::shared_ptr<ssl::context> LoadTlsContext(const TlsFiles& files, std::string& why) {
  if (!Readable(files.cert_chain)) {
    why = "cannot read the TLS certificate file " + files.cert_chain +
          " (missing, empty or no "
          "permission)";
    return nullptr;
  }
  if (!Readable(files.key)) {
    why = "cannot read the TLS key file " + files.key + " (missing, empty or no permission)";
    return nullptr;
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  ERR_clear_error();
  // TLS 1.0 and 1.1 are deprecated (RFC 8996); 1.3 is picked whenever the client offers it.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(native, "X25519:P-256:P-384") != 1) {
    why = "the TLS library refused the cipher settings: " + OpenSslReason();
    return nullptr;
  }
  // An encrypted key would make OpenSSL prompt on the terminal: refuse it instead.
  context->set_password_callback([](std::size_t, ssl::context::password_purpose) { return ""; });
  boost::system::error_code ec;
  context->use_certificate_chain_file(files.cert_chain, ec);
  if (ec) {
    why = "cannot load the TLS certificate chain " + files.cert_chain + ": " + ec.message();
    return nullptr;
  }
  context->use_private_key_file(files.key, ssl::context::pem, ec);
  // OpenSSL checks the key against the certificate while loading it.
  if (ec && ec.category() == boost::asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    why = "the TLS key " + files.key + " does not match the certificate " + files.cert_chain;
    return nullptr;
  }
  if (ec) {
    why = "cannot load the TLS key " + files.key + " (PEM, not encrypted): " + ec.message();
    return nullptr;
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    why = "the TLS key " + files.key + " does not match the certificate " + files.cert_chain;
    ERR_clear_error();
    return nullptr;
  }
  return context;
}

}  // namespace authd::net
