#include "util/curl.h"

#include <cstdlib>
#include <mutex>

namespace kmg::curl {

void global_init() {
  // libcurl requires its global init before any handle exists and while no other thread uses
  // libcurl; once_flag makes the first caller do it and the others wait.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Easy make_easy() {
  global_init();
  Easy handle(curl_easy_init());
  if (handle) curl_easy_setopt(handle.get(), CURLOPT_NOSIGNAL, 1L);
  return handle;
}

Share make_share() {
  global_init();
  return Share(curl_share_init());
}

CaBundle ca_bundle_from_env() {
  CaBundle bundle;
  if (const char* file = std::getenv("SSL_CERT_FILE"); file != nullptr) bundle.file = file;
  if (const char* dir = std::getenv("SSL_CERT_DIR"); dir != nullptr) bundle.dir = dir;
  return bundle;
}

void use_ca_bundle(CURL* handle, const CaBundle& bundle) {
  if (!bundle.file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, bundle.file.c_str());
  if (!bundle.dir.empty()) curl_easy_setopt(handle, CURLOPT_CAPATH, bundle.dir.c_str());
}

void use_only_ca_pem(CURL* handle, const std::string& pem) {
  curl_blob ca{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(handle, CURLOPT_CAINFO_BLOB, &ca);
  curl_easy_setopt(handle, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
}

}  // namespace kmg::curl
