// The HTTPS front of the fake kube-apiserver: client-certificate auth, discovery, lists (paging,
// selectors, Table), gets, pod logs, the service proxy to Jaeger, and injected faults.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
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
};

class ApiServer {
 public:
  ApiServer(const Store& store, ServerOptions options, const Pki& pki);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds the listening socket; returns the port (random when options.port is 0).
  int bind();
  // Serves until stop() (blocks).
  void run();
  void stop();

 private:
  void handle(const httplib::Request& req, httplib::Response& res);
  bool authenticated(const httplib::Request& req) const;
  bool draw(double rate);
  json version_body() const;
  bool serve_discovery(const std::string& path, httplib::Response& res) const;
  void serve_resource(const httplib::Request& req, httplib::Response& res, const std::string& group,
                      const std::string& version, const std::vector<std::string>& segments);
  void serve_list(const httplib::Request& req, httplib::Response& res, const ResourceInfo& r,
                  const std::string& ns);
  void serve_get(const httplib::Request& req, httplib::Response& res, const ResourceInfo& r,
                 const std::string& ns, const std::string& name);
  void serve_log(const httplib::Request& req, httplib::Response& res, const std::string& ns,
                 const std::string& pod);
  void serve_proxy(const httplib::Request& req, httplib::Response& res, const std::string& ns,
                   const std::string& service, const std::string& rest);
  bool forbidden(httplib::Response& res, const ResourceInfo& r, const std::string& sub,
                 const std::string& verb, const std::string& ns, const std::string& name) const;
  json output_object(const ResourceInfo& r, const json& obj, bool in_list) const;

  const Store& store_;
  ServerOptions options_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::atomic<bool> stopping_{false};
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

// Status body as the apiserver writes it (apimachinery pkg/api/errors).
json make_status(int code, const std::string& reason, const std::string& message,
                 const json& details = nullptr);

}  // namespace kmg::fakeapi
