// In-memory PKI like kubeadm's: a cluster CA, a serving certificate and the kubernetes-admin client
// certificate, all generated at start so no key material is ever written to the source tree.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace kmg::fakeapi {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct CertAndKey {
  X509Ptr cert;
  PkeyPtr key;
  std::string cert_pem() const;
  std::string key_pem() const;
};

struct Pki {
  CertAndKey ca;
  CertAndKey server;
  CertAndKey client;
};

// `server_dns_names` become DNS SANs of the serving certificate (IP:127.0.0.1 is always added).
Pki make_pki(const std::vector<std::string>& server_dns_names);

}  // namespace kmg::fakeapi
