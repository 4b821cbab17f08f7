// What kind of cluster a report is about (Kind on docker or podman, minikube, k3d, a cloud), read
// from facts in the bundle: the nodes' providerID and labels, and what the manifest says about how
// the cluster was reached. Next steps use it so that they name commands that work on that cluster:
// `kind load … --name gh` for the Kind cluster `gh` even when it was gathered through the context
// `kind-gh`, `podman ps` on a podman cluster, a registry push where nothing can be side-loaded.
#pragma once

#include <string>

#include "report/model.h"

namespace kmg::report {

enum class Platform { kind, minikube, k3d, cloud, unknown };

struct ClusterProfile {
  Platform platform = Platform::unknown;
  std::string kind_name;   // Kind's own cluster name (`kind … --name`); Kind only
  std::string local_name;  // k3d's cluster name (`-c`) or minikube's profile (`-p`)
  std::string engine;      // docker|podman|nerdctl for Kind, "" when unknown
  std::string cloud;       // providerID scheme: azure|aws|gce|digitalocean|openstack|...
  std::string managed;     // AKS|EKS|GKE|DOKS when the node labels name the managed service
  std::string name;        // the report's cluster name
};

ClusterProfile cluster_profile(const ClusterData& c);

// "Kind (podman)", "Kind", "minikube", "k3d", "AKS (azure)", "cloud (openstack)", "unknown".
std::string platform_label(const ClusterProfile& p);
// How to make a locally built image available to the cluster's nodes.
std::string load_image_step(const ClusterProfile& p, const std::string& image);
// How to see the cluster's nodes, also when its API server does not answer.
std::string list_nodes_step(const ClusterProfile& p);
// How to run `command` (e.g. "crictl images") on node `node`.
std::string node_shell_step(const ClusterProfile& p, const std::string& node,
                            const std::string& command);

// How to free disk where the node's pods write (the host for Kind, the node itself elsewhere).
std::string free_space_step(const ClusterProfile& p, const std::string& node);

}  // namespace kmg::report
