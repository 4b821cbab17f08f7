// Finds every Kind cluster the given engines know (running or stopped), and how to reach each:
// the kubeconfig the way `kind get kubeconfig` builds it (admin.conf read from the first
// control-plane node, renamed kind-<name>, server pointed at the published 6443/tcp port), with
// fallbacks to the user's kubeconfig files. Also adds clusters named by --kubeconfig/--context.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "discovery/cluster_target.h"
#include "kube/kubeconfig.h"

namespace kmg::engine {
class EngineApi;
}

namespace kmg::discovery {

inline constexpr const char* kClusterLabel = "io.x-k8s.kind.cluster";
inline constexpr const char* kRoleLabel = "io.x-k8s.kind.role";

struct DiscoveryOptions {
  std::vector<std::shared_ptr<engine::EngineApi>> engines;
  kube::KubeconfigEnv kube_env;
  std::vector<std::string> clusters;     // --cluster: only these Kind clusters (empty: all)
  std::vector<std::string> kubeconfigs;  // --kubeconfig: extra files (their current context)
  std::vector<std::string> contexts;     // --context: extra contexts
  bool no_kind = false;                  // --no-kind: do not ask the engines
};

struct EngineReport {
  std::string provider;
  std::string endpoint;
  std::string error;   // empty when the engine listed its containers
  int containers = 0;  // Kind node containers it returned
};

struct DiscoveryResult {
  std::vector<ClusterTarget> targets;
  std::vector<EngineReport> engines;
  std::vector<std::string> notes;  // "no Kind clusters found", "--cluster x: not found", ...
  // What the user asked for and cannot be gathered at all: a --kubeconfig that does not load,
  // one without a current-context. Each names the file; the gather is incomplete.
  std::vector<std::string> errors;
};

// Never throws for an engine or kubeconfig problem: each becomes an EngineReport error, a
// ClusterTarget problem or a note.
DiscoveryResult discover(const DiscoveryOptions& options);

// The bits of discovery that are useful alone (and tested alone).

// Extracts the first regular file from a tar stream (what the archive endpoint returns for one
// file). Throws kmg::Error when the stream is not a tar or holds no file.
std::string first_file_in_tar(const std::string& tar_bytes);

// "https://127.0.0.1:41234" from a binding: an empty or wildcard HostIp becomes 127.0.0.1
// (::1 for "::"), IPv6 addresses get brackets.
std::string server_url(const std::string& host_ip, const std::string& host_port);

}  // namespace kmg::discovery
