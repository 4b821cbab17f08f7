// What discovery produces: every cluster to gather, with how to reach it and where that came from.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/kubeconfig.h"

namespace kmg::engine {
class EngineApi;
}

namespace kmg::discovery {

struct NodeInfo {
  std::string name;
  std::string role;   // control-plane, worker, external-load-balancer, external-etcd
  std::string state;  // engine state: running, exited, ...
  std::string image;
  std::string container_id;
};

struct ClusterTarget {
  std::string name;
  std::string provider;  // docker, podman, nerdctl, or "kubeconfig" for non-Kind
  std::vector<NodeInfo> nodes;
  std::optional<kube::RestConfig> rest;  // empty when no credentials could be found
  std::string kubeconfig_source;         // "admin.conf from kind-control-plane", "~/.kube/x", ...
  std::vector<std::string> problems;     // one-line reasons (stopped control plane, no port, ...)
  std::shared_ptr<engine::EngineApi> engine;  // null for non-Kind clusters
};

}  // namespace kmg::discovery
