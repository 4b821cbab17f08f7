#include "server.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "selectors.h"
#include "server_http.h"
#include "util/errors.h"
#include "util/text.h"

namespace kmg::fakeapi {

ApiServer::ApiServer(Store& store, ServerOptions options, const Pki& pki)
    : store_(store), options_(std::move(options)), pki_(pki) {
  server_ = make_server();
}

std::unique_ptr<httplib::SSLServer> ApiServer::make_server() {
  const Pki& pki = pki_;
  auto server = std::make_unique<httplib::SSLServer>([&pki](SSL_CTX& ctx) {
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate(&ctx, pki.server.cert.get()) != 1) return false;
    if (SSL_CTX_use_PrivateKey(&ctx, pki.server.key.get()) != 1) return false;
    X509_STORE* trust = SSL_CTX_get_cert_store(&ctx);
    X509_STORE_add_cert(trust, pki.ca.cert.get());
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(pki.ca.cert.get())));
    SSL_CTX_set_client_CA_list(&ctx, names);
    // Like the apiserver (VerifyClientCertIfGiven): the handshake never fails over the client
    // certificate; a missing or untrusted one becomes a 401 per request.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
    // Clients resume TLS sessions (libcurl shares them across connections); with client
    // verification on, OpenSSL refuses resumption with an internal-error alert unless the
    // server names a session id context.
    static constexpr unsigned char kSessionContext[] = "kmg-fake-apiserver";
    SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof kSessionContext - 1);
    return true;
  });
  if (!server->is_valid()) throw Error("fake-apiserver: TLS setup failed");
  // Every open watch or log follow holds a worker thread for its whole life.
  const auto threads = static_cast<std::size_t>(std::max(options_.threads, 8));
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_keep_alive_max_count(100000);
  server->set_keep_alive_timeout(60);
  server->set_read_timeout(300);
  server->set_write_timeout(300);
  // Like Go's net/http (the real kube-apiserver), no Nagle: cpp-httplib writes headers and body
  // separately, and with Nagle on, the body waits for the client's delayed ACK (~40 ms a request).
  // Debian builds cpp-httplib as a library, so CPPHTTPLIB_TCP_NODELAY cannot be set at compile
  // time; accepted sockets inherit the option from the listening one.
  server->set_socket_options([](int sock) {
    httplib::default_socket_options(sock);
    const int on = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  });
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
  server->Get(".*", handler);
  auto refuse = [this](const httplib::Request& req, httplib::Response& res) {
    track_connection(req);
    if (!authenticated(req)) {
      send_status(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    send_status(res, 405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource", json::object());
  };
  server->Post(".*", refuse);
  server->Put(".*", refuse);
  server->Patch(".*", refuse);
  server->Delete(".*", refuse);
  return server;
}

ApiServer::~ApiServer() { stop(); }

int ApiServer::bind() {
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.address.c_str());
  } else if (!server_->bind_to_port(options_.address.c_str(), port)) {
    port = -1;
  }
  if (port <= 0) {
    throw Error("fake-apiserver: cannot bind " + options_.address + ":" +
                std::to_string(options_.port));
  }
  port_ = port;
  return port;
}

void ApiServer::run() {
  running_ = true;
  for (;;) {
    httplib::SSLServer* server = nullptr;
    {
      std::lock_guard<std::mutex> lock(server_mutex_);
      server = server_.get();
    }
    if (!stopping_) server->listen_after_bind();
    std::unique_lock<std::mutex> lock(server_mutex_);
    outage_over_.wait_until(lock, outage_until_, [this] { return stopping_.load(); });
    if (stopping_ || !in_outage_) break;
    lock.unlock();
    rebind_after_outage();
  }
  running_ = false;
}

void ApiServer::rebind_after_outage() {
  auto fresh = make_server();
  // The old listener is closed; its port can be taken again at once (SO_REUSEADDR).
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (fresh->bind_to_port(options_.address.c_str(), port_)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::lock_guard<std::mutex> lock(server_mutex_);
  server_ = std::move(fresh);
  in_outage_ = false;
}

void ApiServer::stop() {
  stopping_ = true;
  ++epoch_;
  store_.wake_all();
  drop_connections();
  // listen_after_bind() may not have marked itself running yet: repeat until run() is out.
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(server_mutex_);
      if (server_) server_->stop();
      outage_over_.notify_all();
    }
    if (!running_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void ApiServer::outage(double seconds) {
  {
    std::lock_guard<std::mutex> lock(server_mutex_);
    in_outage_ = true;
    outage_until_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
    ++epoch_;
    server_->stop();
  }
  store_.wake_all();
  drop_connections();
}

void ApiServer::track_connection(const httplib::Request& req) {
  if (req.ssl == nullptr) return;
  const int fd = SSL_get_fd(const_cast<SSL*>(req.ssl));
  if (fd < 0) return;
  std::lock_guard<std::mutex> lock(connections_mutex_);
  connections_.insert(fd);
}

void ApiServer::drop_connections() {
  std::set<int> fds;
  {
    std::lock_guard<std::mutex> lock(connections_mutex_);
    fds.swap(connections_);
  }
  for (const int fd : fds) {
    // A descriptor seen earlier may since have been closed and reused: touch only accepted TCP
    // sockets on our own port (a listening socket reports SO_ACCEPTCONN).
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) continue;
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
    int port = -1;
    if (local.ss_family == AF_INET) port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6) {
      port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    }
    // shutdown, not close: the worker thread still owns the descriptor and closes it.
    if (port == port_) ::shutdown(fd, SHUT_RDWR);
  }
}

bool ApiServer::authenticated(const httplib::Request& req) const {
  if (req.ssl == nullptr) return false;
  SSL* ssl = const_cast<SSL*>(req.ssl);
  X509* peer = SSL_get_peer_certificate(ssl);
  if (peer == nullptr) return false;
  X509_free(peer);
  return SSL_get_verify_result(ssl) == X509_V_OK;
}

bool ApiServer::draw(double rate, const char* kind, const httplib::Request& req) {
  if (rate <= 0) return false;
  std::string key = std::string(kind) + " " + req.method + " " + req.path;
  for (const auto& [name, value] : req.params) key += "&" + name + "=" + value;  // sorted
  std::uint64_t attempt = 0;
  {
    std::lock_guard<std::mutex> lock(draws_mutex_);
    attempt = draws_[key]++;
  }
  std::mt19937_64 rng(std::hash<std::string>{}(key) ^ (attempt * 0x9e3779b97f4a7c15ULL) ^
                      (options_.fault_seed * 0xbf58476d1ce4e5b9ULL));
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < rate;
}

void ApiServer::handle(const httplib::Request& req, httplib::Response& res) {
  track_connection(req);
  if (!authenticated(req)) {
    send_status(res, 401, "Unauthorized", "Unauthorized");
    return;
  }
  for (const auto& prefix : options_.hang_paths) {
    if (!prefix.empty() && req.path.rfind(prefix, 0) == 0) {
      // Never answer: hold the request until the client gives up or the server stops.
      const std::uint64_t epoch = epoch_;
      while (serving(epoch)) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      send_status(res, 503, "ServiceUnavailable", "server shutting down");
      return;
    }
  }
  if (options_.latency_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
  }
  try {
    if (serve_discovery(req.path, res)) return;
    std::string group, version;
    std::vector<std::string> segs;
    if (req.path.rfind("/api/v1/", 0) == 0) {
      version = "v1";
      segs = split(req.path.substr(8), '/');
    } else if (req.path.rfind("/apis/", 0) == 0) {
      segs = split(req.path.substr(6), '/');
      if (segs.size() < 3) {
        send_not_found_path(res);
        return;
      }
      group = segs[0];
      version = segs[1];
      segs.erase(segs.begin(), segs.begin() + 2);
    } else {
      send_not_found_path(res);
      return;
    }
    // Faults apply to resource requests only, so discovery (and thus every client) still works.
    if (draw(options_.throttle_rate, "429", req)) {
      res.status = 429;
      res.set_header("Retry-After", std::to_string(options_.retry_after));
      res.set_content("Too many requests, please try again later.\n", "text/plain; charset=utf-8");
      return;
    }
    if (draw(options_.fault_500_rate, "500", req)) {
      send_status(
          res, 500, "InternalError",
          "Internal error occurred: injected fault (fake-apiserver --fault-500-rate)",
          {{"causes", {{{"message", "injected fault (fake-apiserver --fault-500-rate)"}}}}});
      return;
    }
    serve_resource(req, res, group, version, segs);
  } catch (const SelectorError& e) {
    send_status(res, 400, "BadRequest", e.what());
  } catch (const std::exception& e) {
    send_status(res, 500, "InternalError", std::string("Internal error occurred: ") + e.what());
  }
}

bool ApiServer::forbidden(httplib::Response& res, const ResourceInfo& r, const std::string& sub,
                          const std::string& verb, const std::string& ns,
                          const std::string& name) const {
  const std::string resource = sub.empty() ? r.plural : r.plural + "/" + sub;
  const std::string qualified = sub.empty() ? r.qualified() : r.qualified() + "/" + sub;
  const bool hit = std::any_of(options_.forbid.begin(), options_.forbid.end(), [&](const auto& f) {
    return f == resource || f == qualified || f == r.qualified();
  });
  if (!hit) return false;
  std::string msg = "User \"kubernetes-admin\" cannot " + verb + " resource \"" + resource +
                    "\" in API group \"" + r.group + "\"";
  msg += ns.empty() ? " at the cluster scope" : " in the namespace \"" + ns + "\"";
  const std::string subject = name.empty() ? r.qualified() : r.qualified() + " \"" + name + "\"";
  json details = {{"kind", r.plural}};
  if (!name.empty()) details["name"] = name;
  if (!r.group.empty()) details["group"] = r.group;
  send_status(res, 403, "Forbidden", subject + " is forbidden: " + msg, details);
  return true;
}

void ApiServer::serve_resource(const httplib::Request& req, httplib::Response& res,
                               const std::string& group, const std::string& version,
                               const std::vector<std::string>& segs_in) {
  std::vector<std::string> segs = segs_in;
  const bool trailing_slash = !segs.empty() && segs.back().empty();
  if (trailing_slash) segs.pop_back();
  if (segs.empty()) {
    send_not_found_path(res);
    return;
  }
  std::string ns, plural, name, sub;
  size_t rest_index = 0;
  if (segs[0] == "namespaces" && segs.size() >= 3 && store_.find(group, version, segs[2]) &&
      store_.find(group, version, segs[2])->namespaced) {
    ns = segs[1];
    plural = segs[2];
    if (segs.size() > 3) name = segs[3];
    if (segs.size() > 4) sub = segs[4];
    rest_index = 5;
  } else {
    plural = segs[0];
    if (segs.size() > 1) name = segs[1];
    if (segs.size() > 2) sub = segs[2];
    rest_index = 3;
  }
  const ResourceInfo* r = store_.find(group, version, plural);
  if (r == nullptr || (r->namespaced && ns.empty() && !name.empty())) {
    send_not_found_path(res);
    return;
  }
  if (name.empty()) {
    if (forbidden(res, *r, "", "list", ns, "")) return;
    if (truthy(param(req, "watch"))) {
      serve_watch(req, res, *r, ns);
      return;
    }
    serve_list(req, res, *r, ns);
    return;
  }
  if (sub.empty()) {
    if (forbidden(res, *r, "", "get", ns, name)) return;
    serve_get(req, res, *r, ns, name);
    return;
  }
  if (forbidden(res, *r, sub, "get", ns, name)) return;
  if (r->group.empty() && r->plural == "pods" && sub == "log" && segs.size() == rest_index) {
    serve_log(req, res, ns, name);
    return;
  }
  if (r->group.empty() && r->plural == "services" && sub == "proxy") {
    // Everything after ".../proxy", with the client's trailing slash kept.
    std::string rest;
    for (size_t i = rest_index; i < segs.size(); ++i) rest += "/" + segs[i];
    if (rest.empty() || trailing_slash) rest += "/";
    serve_proxy(req, res, ns, name, rest);
    return;
  }
  if (sub == "status" && segs.size() == rest_index &&
      std::find(r->subresources.begin(), r->subresources.end(), "status") !=
          r->subresources.end()) {
    serve_get(req, res, *r, ns, name);
    return;
  }
  send_not_found_path(res);
}

}  // namespace kmg::fakeapi
