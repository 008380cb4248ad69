// # TLS settings (docs/TLS.md)
//
// `LoadTlsContext` builds the server's TLS context once, at start: TLS 1.2 and 1.3 only (1.3
// preferred by OpenSSL's negotiation), for TLS 1.2 only ECDHE key exchange with AEAD ciphers
// (AES-GCM, ChaCha20-Poly1305) in the server's order, no compression, no renegotiation. The
// certificate chain and the key are PEM files; the key must match the first certificate and must
// not be encrypted (there is no one to type a passphrase).
#pragma once

#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace authd::net {

struct TlsFiles {
  std::string cert_chain;  // PEM: the server certificate first, then intermediates
  std::string key;         // PEM private key of the first certificate
};

// The TLS 1.2 cipher list (OpenSSL names): ECDHE with AES-GCM or ChaCha20-Poly1305 only.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// The context, or nullptr with `why` naming the file and OpenSSL's reason (never key bytes).
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> LoadTlsContext(const TlsFiles& files,
                                                                        std::string& why);

}  // namespace authd::net
