// Throwaway TLS material for the HTTPS tests: a self-signed certificate for "localhost" and
// 127.0.0.1 with a fresh P-256 key, made in memory with OpenSSL's C API and written as PEM files
// into a test's temp folder. Nothing is checked in and no `openssl` command is needed.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace authd::test {

namespace tls_detail {
struct FreeKey {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct FreeCert {
  void operator()(X509* c) const { X509_free(c); }
};
struct FreeExt {
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
};
using Key = std::unique_ptr<EVP_PKEY, FreeKey>;
using Cert = std::unique_ptr<X509, FreeCert>;

inline Key NewKey() {
  Key key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  return key;
}

inline Cert SelfSigned(EVP_PKEY* key) {
  Cert cert(X509_new());
  if (!cert) throw std::runtime_error("X509_new failed");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24L * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, FreeExt> san(
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"));
  if (!san || X509_add_ext(cert.get(), san.get(), -1) != 1 ||
      X509_sign(cert.get(), key, EVP_sha256()) == 0) {
    throw std::runtime_error("cannot build the test certificate");
  }
  return cert;
}

inline void WritePem(const std::string& path, bool (*write)(std::FILE*, const void*),
                     const void* object) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) throw std::runtime_error("cannot write " + path);
  const bool ok = write(file, object);
  std::fclose(file);
  if (!ok) throw std::runtime_error("cannot write " + path);
}
}  // namespace tls_detail

struct TlsFilesOnDisk {
  std::string cert;  // PEM certificate
  std::string key;   // PEM private key (of `cert` unless made with mismatched_key)
};

// Writes cert.pem and key.pem into `folder`. With `mismatched_key` the key is another one than
// the certificate's (for the refusal test).
inline TlsFilesOnDisk WriteSelfSigned(const std::string& folder, bool mismatched_key = false) {
  using namespace tls_detail;
  Key key = NewKey();
  Cert cert = SelfSigned(key.get());
  Key written = mismatched_key ? NewKey() : std::move(key);
  TlsFilesOnDisk files{folder + "/cert.pem", folder + "/key.pem"};
  WritePem(
      files.cert,
      [](std::FILE* f, const void* c) {
        return PEM_write_X509(f, static_cast<X509*>(const_cast<void*>(c))) == 1;
      },
      cert.get());
  WritePem(
      files.key,
      [](std::FILE* f, const void* k) {
        return PEM_write_PrivateKey(f, static_cast<EVP_PKEY*>(const_cast<void*>(k)), nullptr,
                                    nullptr, 0, nullptr, nullptr) == 1;
      },
      written.get());
  return files;
}

}  // namespace authd::test
