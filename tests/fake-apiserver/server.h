// The HTTPS front of the fake kube-apiserver: client-certificate auth, discovery, lists (paging,
// selectors, Table), gets, watches, pod logs (and follows), the service proxy to Jaeger, injected
// faults and outages. Request handling is split by responsibility: server.cpp (lifecycle,
// routing, faults), server_discovery.cpp, server_read.cpp (list/get), server_watch.cpp,
// server_logs.cpp, server_proxy.cpp; server_http.h holds their shared reply helpers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "pki.h"
#include "store.h"

namespace kmg::fakeapi {

struct ServerOptions {
  std::string address = "127.0.0.1";
  int port = 0;
  std::string cluster_name = "kind";
  std::string server_version;  // "1.32"; empty: scenario's serverVersion or 1.32
  int latency_ms = 0;
  double fault_500_rate = 0;
  std::uint64_t fault_seed = 1;
  std::vector<std::string> hang_paths;
  std::int64_t cut_logs_after = -1;
  std::vector<std::string> forbid;  // "pods", "secrets", "pods/log", "deployments.apps"
  bool expire_continue = false;
  double throttle_rate = 0;
  int retry_after = 1;
  // Watches: the server's own end (kube-apiserver --min-request-timeout; a client's
  // timeoutSeconds wins when shorter) and the interval of BOOKMARK events.
  int watch_timeout_seconds = 1800;
  int bookmark_interval_ms = 1000;
  // Worker threads: every watch and log follow holds one while it is open.
  int threads = 512;
};

class ApiServer {
 public:
  ApiServer(Store& store, ServerOptions options, const Pki& pki);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds the listening socket; returns the port (random when options.port is 0).
  int bind();
  // Serves until stop() (blocks), through outages.
  void run();
  // Ends run(): closes the listener and every open connection, ends watches and follows.
  void stop();
  // An apiserver restart: every open connection drops at once and the port refuses connections
  // for `seconds`, then serving resumes on the same port. Returns at once.
  void outage(double seconds);

 private:
  std::unique_ptr<httplib::SSLServer> make_server();
  void rebind_after_outage();
  void track_connection(const httplib::Request& req);
  void drop_connections();
  // True while a stream begun in `epoch` may go on (no stop, no outage since).
  bool serving(std::uint64_t epoch) const { return !stopping_ && epoch_ == epoch; }
  void handle(const httplib::Request& req, httplib::Response& res);
  bool authenticated(const httplib::Request& req) const;
  // Whether this request gets the fault of `kind` ("500", "429"), with probability `rate`. The
  // draw depends on the seed, the request and how many times it was asked before, never on the
  // order concurrent requests arrive in, so a test's faults are the same in every run.
  bool draw(double rate, const char* kind, const httplib::Request& req);
  json version_body() const;
  bool serve_discovery(const std::string& path, httplib::Response& res) const;
  void serve_resource(const httplib::Request& req, httplib::Response& res, const std::string& group,
                      const std::string& version, const std::vector<std::string>& segments);
  void serve_list(const httplib::Request& req, httplib::Response& res, const ResourceInfo& r,
                  const std::string& ns);
  void serve_get(const httplib::Request& req, httplib::Response& res, const ResourceInfo& r,
                 const std::string& ns, const std::string& name);
  void serve_watch(const httplib::Request& req, httplib::Response& res, const ResourceInfo& r,
                   const std::string& ns);
  void serve_log(const httplib::Request& req, httplib::Response& res, const std::string& ns,
                 const std::string& pod);
  void follow_log(httplib::Response& res, const LogStream& stream, bool timestamps,
                  std::string head);
  void serve_proxy(const httplib::Request& req, httplib::Response& res, const std::string& ns,
                   const std::string& service, const std::string& rest);
  bool forbidden(httplib::Response& res, const ResourceInfo& r, const std::string& sub,
                 const std::string& verb, const std::string& ns, const std::string& name) const;
  json output_object(const ResourceInfo& r, const json& obj, bool in_list) const;

  Store& store_;
  ServerOptions options_;
  const Pki& pki_;
  int port_ = 0;
  std::mutex server_mutex_;  // guards server_ (replaced after an outage) and the outage fields
  std::condition_variable outage_over_;
  std::unique_ptr<httplib::SSLServer> server_;
  bool in_outage_ = false;
  std::chrono::steady_clock::time_point outage_until_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> epoch_{0};
  std::mutex connections_mutex_;
  std::set<int> connections_;  // sockets of requests seen since the last drop
  std::mutex draws_mutex_;
  std::map<std::string, std::uint64_t> draws_;  // request key -> times drawn
};

// Status body as the apiserver writes it (apimachinery pkg/api/errors).
json make_status(int code, const std::string& reason, const std::string& message,
                 const json& details = nullptr);

}  // namespace kmg::fakeapi
