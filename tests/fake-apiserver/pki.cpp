#include "pki.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "util/errors.h"

namespace kmg::fakeapi {
namespace {

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

void check(bool ok, const char* what) {
  if (!ok) throw Error(std::string("fake-apiserver PKI: ") + what + " failed");
}

std::string bio_to_string(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// P-256 keys: fast to generate and accepted by Go's crypto/tls (kubectl) and by OpenSSL clients.
PkeyPtr make_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  check(key != nullptr, "EC key generation");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  check(ext != nullptr, "certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509Ptr make_cert(EVP_PKEY* key, const std::string& cn, const std::string& org, long serial,
                  X509* issuer) {
  X509Ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  // Backdated an hour so clock skew between processes never makes the chain "not yet valid".
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!org.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(org.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) { check(X509_sign(cert, key, EVP_sha256()) > 0, "X509_sign"); }

}  // namespace

std::string CertAndKey::cert_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(PEM_write_bio_X509(bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
  return bio_to_string(bio.get());
}

std::string CertAndKey::key_pem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  // Traditional "EC PRIVATE KEY" form, like kubeadm writes; client-go and OpenSSL read it.
  check(PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr) == 1,
        "PEM_write_bio_PrivateKey");
  return bio_to_string(bio.get());
}

Pki make_pki(const std::vector<std::string>& server_dns_names) {
  Pki pki;
  pki.ca.key = make_key();
  pki.ca.cert = make_cert(pki.ca.key.get(), "kubernetes", "", 1, nullptr);
  add_ext(pki.ca.cert.get(), pki.ca.cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(pki.ca.cert.get(), pki.ca.cert.get(), NID_key_usage,
          "critical,digitalSignature,keyEncipherment,keyCertSign");
  add_ext(pki.ca.cert.get(), pki.ca.cert.get(), NID_subject_key_identifier, "hash");
  sign(pki.ca.cert.get(), pki.ca.key.get());

  pki.server.key = make_key();
  pki.server.cert = make_cert(pki.server.key.get(), "kube-apiserver", "", 2, pki.ca.cert.get());
  std::string sans = "IP:127.0.0.1";
  for (const auto& dns : server_dns_names) sans += ",DNS:" + dns;
  add_ext(pki.server.cert.get(), pki.ca.cert.get(), NID_subject_alt_name, sans);
  add_ext(pki.server.cert.get(), pki.ca.cert.get(), NID_key_usage,
          "critical,digitalSignature,keyEncipherment");
  add_ext(pki.server.cert.get(), pki.ca.cert.get(), NID_ext_key_usage, "serverAuth");
  add_ext(pki.server.cert.get(), pki.ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  sign(pki.server.cert.get(), pki.ca.key.get());

  pki.client.key = make_key();
  pki.client.cert =
      make_cert(pki.client.key.get(), "kubernetes-admin", "system:masters", 3, pki.ca.cert.get());
  add_ext(pki.client.cert.get(), pki.ca.cert.get(), NID_key_usage,
          "critical,digitalSignature,keyEncipherment");
  add_ext(pki.client.cert.get(), pki.ca.cert.get(), NID_ext_key_usage, "clientAuth");
  add_ext(pki.client.cert.get(), pki.ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  sign(pki.client.cert.get(), pki.ca.key.get());
  return pki;
}

}  // namespace kmg::fakeapi
