#include "kube/http_client.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <sstream>
#include <vector>

#include <curl/curl.h>

#include "util/curl.h"
#include "util/deadline.h"
#include "util/text.h"

namespace kmg::kube {

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::size_t kMaxIdleHandles = 32;

using EasyHandle = curl::Easy;
using Slist = curl::Slist;

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

struct CurlStringDeleter {
  void operator()(char* s) const { curl_free(s); }
};
using CurlString = std::unique_ptr<char, CurlStringDeleter>;

Slist append(Slist list, const std::string& line) {
  curl_slist* raw = curl_slist_append(list.get(), line.c_str());
  if (raw == nullptr) return list;
  (void)list.release();
  return Slist(raw);
}

std::string seconds_text(std::chrono::milliseconds d) {
  std::ostringstream s;
  s << static_cast<double>(d.count()) / 1000.0 << "s";
  return s.str();
}

// Failures where the server was probably never reached or the connection dropped: worth a retry.
bool is_transient(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// Where requests are sent, and the CONNECT_TO entry when tls-server-name differs from the
// server's host: the URL then names tls-server-name (so SNI and certificate verification use it)
// while the connection still goes to the real address.
struct Target {
  std::string base_url;
  std::string connect_to;
  std::string error;
};

Target make_target(const RestConfig& config) {
  Target t;
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, config.server.c_str(), 0) != CURLUE_OK) {
    t.error = "invalid server URL \"" + config.server + "\"";
    return t;
  }
  auto part = [&](CURLUPart which, unsigned flags = 0) {
    char* raw = nullptr;
    if (curl_url_get(url.get(), which, &raw, flags) != CURLUE_OK) return std::string();
    CurlString owned(raw);
    return std::string(owned.get());
  };
  const std::string scheme = to_lower(part(CURLUPART_SCHEME));
  const std::string host = part(CURLUPART_HOST);
  const std::string port = part(CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (scheme == "https" && !config.tls_server_name.empty() && config.tls_server_name != host) {
    curl_url_set(url.get(), CURLUPART_HOST, config.tls_server_name.c_str(), 0);
    t.connect_to = config.tls_server_name + ":" + port + ":" + host + ":" + port;
  }
  t.base_url = part(CURLUPART_URL);
  while (!t.base_url.empty() && t.base_url.back() == '/') t.base_url.pop_back();
  return t;
}

}  // namespace

struct CurlKubeApi::Impl {
  RestConfig config;
  HttpOptions options;
  Target target;

  // Declared before the handles: easy handles point at these, so they must outlive them.
  std::array<std::mutex, CURL_LOCK_DATA_LAST> share_locks;
  curl::Share share;
  curl::CaBundle ca_bundle = curl::ca_bundle_from_env();
  Slist headers;
  Slist connect_to;

  std::mutex pool_mutex;
  std::vector<EasyHandle> idle;  // reused so each keeps its open connections

  // Per-call state the callbacks see.
  struct Transfer {
    const Impl* impl = nullptr;
    CURL* easy = nullptr;
    Response* response = nullptr;
    const ChunkSink* sink = nullptr;  // null for get(): keep the body
    bool receiver_stopped = false;
    bool deadline_hit = false;
  };

  Impl(RestConfig c, HttpOptions o) : config(std::move(c)), options(o) {
    target = make_target(config);
    share = curl::make_share();
    if (share) {
      curl_share_setopt(share.get(), CURLSHOPT_LOCKFUNC, &Impl::lock_share);
      curl_share_setopt(share.get(), CURLSHOPT_UNLOCKFUNC, &Impl::unlock_share);
      curl_share_setopt(share.get(), CURLSHOPT_USERDATA, this);
      // DNS answers and TLS sessions are shared between handles. Connections are not put in the
      // share: libcurl documents its shared connection cache as unsafe across concurrent threads,
      // so each pooled handle keeps (and reuses) its own connections instead.
      curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    headers = append(std::move(headers), "Accept: application/json");
    if (!config.token.empty()) {
      headers = append(std::move(headers), "Authorization: Bearer " + config.token);
    }
    if (!target.connect_to.empty()) connect_to = append(nullptr, target.connect_to);
  }

  static void lock_share(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).lock();
  }
  static void unlock_share(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks.at(static_cast<std::size_t>(data)).unlock();
  }

  EasyHandle new_handle() const {
    EasyHandle h = curl::make_easy();
    if (!h) return h;
    CURL* e = h.get();
    if (share) curl_easy_setopt(e, CURLOPT_SHARE, share.get());
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kind-must-gather/" KMG_VERSION);
    // No Accept-Encoding, unlike client-go: a Kind API server is on this machine, where
    // compressing every list and log only costs CPU at both ends (measured: a medium gather took
    // twice as long with gzip).
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);  // never carry the token elsewhere
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, &Impl::on_progress);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Impl::on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Impl::on_header);
    if (connect_to) curl_easy_setopt(e, CURLOPT_CONNECT_TO, connect_to.get());
    if (!config.proxy_url.empty()) curl_easy_setopt(e, CURLOPT_PROXY, config.proxy_url.c_str());

    if (!config.ca_pem.empty()) {
      curl::use_only_ca_pem(e, config.ca_pem);
    } else {
      curl::use_ca_bundle(e, ca_bundle);
    }
    if (config.insecure_skip_tls_verify) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!config.client_cert_pem.empty() && !config.client_key_pem.empty()) {
      curl_blob cert{const_cast<char*>(config.client_cert_pem.data()),
                     config.client_cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(config.client_key_pem.data()), config.client_key_pem.size(),
                    CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (config.token.empty() && !config.username.empty()) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, config.username.c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, config.password.c_str());
    }
    return h;
  }

  EasyHandle lease() {
    {
      std::lock_guard lock(pool_mutex);
      if (!idle.empty()) {
        EasyHandle h = std::move(idle.back());
        idle.pop_back();
        return h;
      }
    }
    return new_handle();
  }

  void give_back(EasyHandle h) {
    std::lock_guard lock(pool_mutex);
    if (idle.size() < kMaxIdleHandles) idle.push_back(std::move(h));
  }

  static int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    auto* t = static_cast<Transfer*>(user);
    const Deadline* d = t->impl->options.deadline;
    if (d != nullptr && d->expired()) {
      t->deadline_hit = true;
      return 1;  // aborts the transfer
    }
    return 0;
  }

  static size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    t->response->bytes += n;
    if (t->sink == nullptr) {
      t->response->body.append(data, n);
      return n;
    }
    long status = 0;
    curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if (!(*t->sink)(std::string_view(data, n))) {
        t->receiver_stopped = true;
        return 0;  // makes curl stop with a write error
      }
      return n;
    }
    // An error reply is short and is what describe() needs: keep it, within reason.
    auto& body = t->response->body;
    if (body.size() < kMaxErrorBody) body.append(data, std::min(n, kMaxErrorBody - body.size()));
    return n;
  }

  static size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const size_t n = size * count;
    std::string_view line(data, n);
    auto& headers = t->response->headers;
    if (line.substr(0, 5) == "HTTP/") {
      headers.clear();  // a new status line (after 100 Continue or a proxy's CONNECT reply)
      return n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
    return n;
  }

  Response perform(const std::string& path, const ChunkSink* sink) {
    Response r;
    if (!target.error.empty()) {
      r.error = target.error;
      return r;
    }
    const Deadline* deadline = options.deadline;
    if (deadline != nullptr && deadline->expired()) {
      r.error = deadline->cancelled() ? "cancelled" : "deadline reached";
      return r;
    }
    auto timeout = options.request_timeout;
    bool deadline_bound = false;
    if (deadline != nullptr && deadline->remaining() < timeout) {
      timeout = std::max(deadline->remaining(), std::chrono::milliseconds(1));
      deadline_bound = true;
    }
    const auto connect_timeout = std::min(options.connect_timeout, timeout);

    EasyHandle handle = lease();
    if (!handle) {
      r.error = "could not create a libcurl handle";
      return r;
    }
    CURL* e = handle.get();
    Transfer t{this, e, &r, sink};
    char errbuf[CURL_ERROR_SIZE] = {0};
    const std::string url = target.base_url + path;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));

    const CURLcode rc = curl_easy_perform(e);
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
    // The handle goes back without pointers to this call's stack.
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, nullptr);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, nullptr);
    give_back(std::move(handle));

    if (rc == CURLE_OK) return r;
    if (t.receiver_stopped) {
      r.error = "aborted by receiver";
    } else if (t.deadline_hit) {
      r.error = deadline->cancelled() ? "cancelled" : "deadline reached";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      r.error = "timed out after " + seconds_text(timeout) + (deadline_bound ? " (deadline)" : "");
      if (r.status == 0 && errbuf[0] != '\0') r.error += ": " + std::string(errbuf);
    } else {
      r.error = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
      // curl names a "(memory blob)"; say which kubeconfig fields are at fault.
      if (rc == CURLE_SSL_CERTPROBLEM)
        r.error =
            "client certificate or key refused (client-key-data must be the PEM key of "
            "client-certificate-data): " +
            r.error;
      r.transient = is_transient(rc);
    }
    return r;
  }
};

CurlKubeApi::CurlKubeApi(RestConfig config, HttpOptions options)
    : impl_(std::make_unique<Impl>(std::move(config), options)) {}

CurlKubeApi::~CurlKubeApi() = default;

Response CurlKubeApi::get(const std::string& path) { return impl_->perform(path, nullptr); }

Response CurlKubeApi::stream(const std::string& path, const ChunkSink& sink) {
  return impl_->perform(path, &sink);
}

std::string CurlKubeApi::endpoint() const { return impl_->config.server; }

}  // namespace kmg::kube
