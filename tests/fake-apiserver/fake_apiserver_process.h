// Starts the fake-apiserver binary for a test and stops it when the handle goes away.
//
//   auto api = kmg::testing::FakeApiserver::start({.scenarios = {path}, .cluster_name = "t"});
//   KubeClient client(api.kubeconfig_path());  // https://127.0.0.1:<api.port()>
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kmg::testing {

struct FakeApiserverOptions {
  std::vector<std::string> scenarios;  // scenario JSON files (merged)
  std::string synthetic;               // e.g. "namespaces=2,pods=3,containers=1,events=2"
  std::string cluster_name = "kind";
  std::string server_version;  // "1.32"; empty: scenario or default
  int latency_ms = 0;
  double fault_500_rate = 0;
  std::uint64_t fault_seed = 1;
  std::vector<std::string> hang_paths;
  long cut_logs_after = -1;
  std::vector<std::string> forbid;
  bool expire_continue = false;
  double throttle_rate = 0;
  int retry_after = 1;
  std::vector<std::string> extra_args;
  int start_timeout_seconds = 20;
};

class FakeApiserver {
 public:
  // Launches the binary, waits for its ready file; throws kmg::Error with its stderr on failure.
  static FakeApiserver start(const FakeApiserverOptions& options);
  FakeApiserver(FakeApiserver&& other) noexcept;
  FakeApiserver& operator=(FakeApiserver&& other) noexcept;
  FakeApiserver(const FakeApiserver&) = delete;
  FakeApiserver& operator=(const FakeApiserver&) = delete;
  // SIGTERM, then SIGKILL after 5 s; removes the temp folder.
  ~FakeApiserver();

  int port() const { return port_; }
  // kind-style kubeconfig (context kind-<cluster>, server https://127.0.0.1:<port>).
  const std::string& kubeconfig_path() const { return kubeconfig_; }
  // kubeadm-style admin.conf (server https://<cluster>-control-plane:6443).
  const std::string& admin_conf_path() const { return admin_conf_; }
  const std::string& folder() const { return dir_; }
  pid_t pid() const { return pid_; }
  // Waits up to `timeout_ms` for the server to exit by itself (a script's `exit` step); its exit
  // status, or -1 when it is still running (it is then stopped as usual by the destructor).
  int wait_exit(int timeout_ms);
  // The server's stderr so far (for diagnostics).
  std::string log() const;
  // The path of the fake-apiserver executable compiled into this library.
  static std::string binary_path();

 private:
  FakeApiserver() = default;
  void stop();

  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string kubeconfig_;
  std::string admin_conf_;
};

}  // namespace kmg::testing
