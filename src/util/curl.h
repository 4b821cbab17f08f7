// The one owner of libcurl's global state and handles. curl_global_init runs once, before the
// first handle, whoever asks first (the engine client or the Kubernetes client); handles and
// lists are owned by unique_ptr types with the right cleanup.
#pragma once

#include <memory>
#include <string>

#include <curl/curl.h>

namespace kmg::curl {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct ShareDeleter {
  void operator()(CURLSH* s) const { curl_share_cleanup(s); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;
using Share = std::unique_ptr<CURLSH, ShareDeleter>;

// Runs curl_global_init once per process (thread-safe). make_easy and make_share call it.
void global_init();

// A new easy handle with NOSIGNAL set (we run many threads), or null when libcurl cannot make
// one.
Easy make_easy();
Share make_share();

// Where trusted CA certificates come from when the caller has none of its own. SSL_CERT_FILE and
// SSL_CERT_DIR are honoured as OpenSSL honours them: libcurl otherwise pins the path compiled
// into it, which a packaged binary running in a chroot or another distribution may not have.
struct CaBundle {
  std::string file;  // SSL_CERT_FILE
  std::string dir;   // SSL_CERT_DIR
};
CaBundle ca_bundle_from_env();

// Sets CAINFO/CAPATH from `bundle` (nothing for empty fields: libcurl's default stays).
void use_ca_bundle(CURL* handle, const CaBundle& bundle);

// Trust only `pem` (a kubeconfig's certificate-authority-data), as kubectl does: the system
// bundle is not added to it.
void use_only_ca_pem(CURL* handle, const std::string& pem);

}  // namespace kmg::curl
