#include "report/cluster_profile.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <tuple>
#include <vector>

#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// What one Node says about the cluster it belongs to.
struct NodeFacts {
  Platform platform = Platform::unknown;
  std::string cluster;  // Kind or k3d cluster name, minikube profile
  std::string engine, cloud, managed;
  bool weak = false;  // only the Kind naming pattern, no providerID or label says so
};

bool has_label_prefix(const json& labels, std::string_view prefix) {
  if (!labels.is_object()) return false;
  for (const auto& [key, value] : labels.items()) {
    if (starts_with(key, prefix)) return true;
  }
  return false;
}

// The managed service a cloud node belongs to, by the labels its provisioner sets.
std::string managed_service(const std::string& cloud, const json& labels) {
  if (cloud == "azure" && has_label_prefix(labels, "kubernetes.azure.com/")) return "AKS";
  if (cloud == "aws" && has_label_prefix(labels, "eks.amazonaws.com/")) return "EKS";
  if (cloud == "gce" && has_label_prefix(labels, "cloud.google.com/gke-")) return "GKE";
  if (cloud == "digitalocean" && has_label_prefix(labels, "doks.digitalocean.com/")) return "DOKS";
  return {};
}

// k3d names its nodes k3d-<cluster>-server-<n> and k3d-<cluster>-agent-<n>.
std::string k3d_cluster(const std::string& node) {
  if (!starts_with(node, "k3d-")) return {};
  for (const char* role : {"-server-", "-agent-"}) {
    const auto at = node.rfind(role);
    if (at != std::string::npos && at > 4) return node.substr(4, at - 4);
  }
  return {};
}

// Kind names its first control-plane node <cluster>-control-plane (then ...-control-plane2).
std::string kind_cluster_by_name(const std::string& node) {
  const auto at = node.rfind("-control-plane");
  if (at == std::string::npos || at == 0) return {};
  const auto rest = node.substr(at + 14);
  if (!std::all_of(rest.begin(), rest.end(), [](unsigned char ch) { return std::isdigit(ch); }))
    return {};
  return node.substr(0, at);
}

// kind://<engine>/<cluster>/<node>, set by Kind's kubeadm config (kubelet --provider-id).
NodeFacts kind_facts(const std::string& provider_id) {
  NodeFacts f;
  const auto parts = split(std::string_view(provider_id).substr(7), '/');
  if (parts.size() < 2) return f;
  f.platform = Platform::kind;
  f.engine = parts[0];
  f.cluster = parts[1];
  return f;
}

NodeFacts node_facts(const json& node) {
  const std::string name = str(at_path(node, {"metadata"}), "name");
  const json& labels = at_path(node, {"metadata", "labels"});
  const std::string provider_id = str(at_path(node, {"spec"}), "providerID");
  if (starts_with(provider_id, "kind://")) return kind_facts(provider_id);
  NodeFacts f;
  if (labels.is_object() && labels.contains("minikube.k8s.io/name")) {
    f.platform = Platform::minikube;
    f.cluster = str(labels, "minikube.k8s.io/name");
    return f;
  }
  const auto scheme_end = provider_id.find("://");
  const std::string scheme =
      scheme_end == std::string::npos ? "" : provider_id.substr(0, scheme_end);
  // k3s sets providerID k3s://<node> and the instance-type label "k3s"; k3d runs k3s in containers.
  if (scheme == "k3s" || str(labels, "node.kubernetes.io/instance-type") == "k3s") {
    f.cluster = k3d_cluster(name);
    if (!f.cluster.empty()) f.platform = Platform::k3d;
    return f;
  }
  if (!scheme.empty()) {  // set by a cloud-controller-manager
    f.platform = Platform::cloud;
    f.cloud = scheme;
    f.managed = managed_service(scheme, labels);
    return f;
  }
  if (provider_id.empty()) {
    f.cluster = kind_cluster_by_name(name);
    if (!f.cluster.empty()) {
      f.platform = Platform::kind;
      f.weak = true;
    }
  }
  return f;
}

// The facts most nodes agree on; ties go to the first node listed.
NodeFacts nodes_verdict(const json& nodes, bool weak) {
  std::map<std::tuple<int, std::string, std::string>, std::pair<int, std::size_t>> votes;
  std::vector<NodeFacts> seen;
  if (!nodes.is_array()) return {};
  for (const auto& node : nodes) {
    NodeFacts f = node_facts(node);
    if (f.platform == Platform::unknown || f.weak != weak) continue;
    auto& v = votes[{static_cast<int>(f.platform), f.cluster, f.cloud}];
    if (v.first++ == 0) {
      v.second = seen.size();
      seen.push_back(std::move(f));
    }
  }
  const auto best = std::max_element(votes.begin(), votes.end(), [](const auto& a, const auto& b) {
    return a.second.first < b.second.first ||
           (a.second.first == b.second.first && a.second.second > b.second.second);
  });
  return best == votes.end() ? NodeFacts{} : seen[best->second.second];
}

bool loopback_server(const std::string& url) {
  std::string_view host = url;
  if (const auto at = host.find("://"); at != std::string_view::npos) host.remove_prefix(at + 3);
  host = host.substr(0, host.find('/'));
  if (starts_with(host, "[")) return starts_with(host, "[::1]");
  host = host.substr(0, host.find(':'));
  return host == "localhost" || starts_with(host, "127.");
}

// "kind-gh" (or "kind-gh@file", when two kubeconfig files both had that context) -> "gh". Kind
// cluster names are lowercase letters, digits, dots and dashes.
std::string kind_name_of_context(const std::string& context) {
  if (!starts_with(context, "kind-")) return {};
  const std::string name = context.substr(5, context.find('@') - 5);
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return std::islower(ch) || std::isdigit(ch) || ch == '.' || ch == '-';
  });
  return valid ? name : std::string();
}

bool is_engine(const std::string& provider) {
  return provider == "docker" || provider == "podman" || provider == "nerdctl";
}

void adopt(ClusterProfile& p, const NodeFacts& f) {
  p.platform = f.platform;
  if (f.platform == Platform::kind) p.kind_name = f.cluster;
  if (f.platform == Platform::k3d || f.platform == Platform::minikube) p.local_name = f.cluster;
  p.engine = f.engine;
  p.cloud = f.cloud;
  p.managed = f.managed;
}

std::string engine_or_docker(const ClusterProfile& p) {
  return p.engine.empty() ? std::string("docker") : p.engine;
}

std::string kind_name_or_placeholder(const ClusterProfile& p) {
  return p.kind_name.empty() ? std::string("<cluster>") : p.kind_name;
}

}  // namespace

ClusterProfile cluster_profile(const ClusterData& c) {
  ClusterProfile p;
  p.name = c.name.empty() ? c.dir : c.name;
  const std::string provider = str(c.info, "provider");
  const json& nodes = c.items("nodes");
  adopt(p, nodes_verdict(nodes, false));
  // Discovered through a container engine by the io.x-k8s.kind.cluster label: Kind for sure.
  if (is_engine(provider)) {
    if (p.platform != Platform::kind) {
      NodeFacts kind;
      kind.platform = Platform::kind;
      kind.cluster = p.name;
      adopt(p, kind);
    }
    if (p.engine.empty()) p.engine = provider;
    return p;
  }
  if (p.platform != Platform::unknown) return p;
  // Nothing in the nodes (not gathered, or too old a Kind): Kind's own kubeconfig context on a
  // loopback server, then Kind's node naming on one.
  if (!loopback_server(str(c.info, "api_endpoint"))) return p;
  const std::string context = str(c.info, "context").empty() ? p.name : str(c.info, "context");
  if (auto name = kind_name_of_context(context); !name.empty()) {
    p.platform = Platform::kind;
    p.kind_name = name;
    return p;
  }
  adopt(p, nodes_verdict(nodes, true));
  return p;
}

std::string platform_label(const ClusterProfile& p) {
  switch (p.platform) {
    case Platform::kind:
      return p.engine.empty() ? "Kind" : "Kind (" + p.engine + ")";
    case Platform::minikube:
      return "minikube";
    case Platform::k3d:
      return "k3d";
    case Platform::cloud:
      return (p.managed.empty() ? std::string("cloud") : p.managed) + " (" + p.cloud + ")";
    case Platform::unknown:
      break;
  }
  return "unknown";
}

std::string load_image_step(const ClusterProfile& p, const std::string& image) {
  const std::string name = kind_name_or_placeholder(p);
  switch (p.platform) {
    case Platform::kind:
      // `kind load docker-image` runs `docker save` whatever the node provider (kind
      // pkg/cmd/kind/load/docker-image), so other engines save the image themselves.
      if (p.engine.empty() || p.engine == "docker")
        return "kind load docker-image " + image + " --name " + name;
      return p.engine + " save -o image.tar " + image +
             " && KIND_EXPERIMENTAL_PROVIDER=" + p.engine +
             " kind load image-archive image.tar --name " + name;
    case Platform::minikube:
      return "minikube image load " + image +
             (p.local_name.empty() || p.local_name == "minikube" ? "" : " -p " + p.local_name);
    case Platform::k3d:
      return "k3d image import " + image + " -c " + p.local_name;
    case Platform::cloud:
    case Platform::unknown:
      break;
  }
  return "push " + image + " to a registry the nodes can pull from (docker tag " + image +
         " REGISTRY/IMAGE:TAG && docker push REGISTRY/IMAGE:TAG) and reference it by that name";
}

std::string list_nodes_step(const ClusterProfile& p) {
  if (p.platform == Platform::kind)
    return engine_or_docker(p) +
           " ps -a --filter label=io.x-k8s.kind.cluster=" + kind_name_or_placeholder(p);
  return "kubectl get nodes -o wide";
}

std::string node_shell_step(const ClusterProfile& p, const std::string& node,
                            const std::string& command) {
  if (p.platform == Platform::kind) return engine_or_docker(p) + " exec " + node + " " + command;
  return "kubectl debug node/" + node + " -it --image=busybox -- chroot /host " + command;
}

std::string free_space_step(const ClusterProfile& p, const std::string& node) {
  // Kind and k3d nodes are containers: their disk is the host's, seen through the engine.
  if (p.platform == Platform::kind)
    return "free disk on the host running the Kind nodes (" + engine_or_docker(p) + " system df; " +
           engine_or_docker(p) + " system prune)";
  return "free disk on node " + (node.empty() ? std::string("NODE") : node) + " (" +
         node_shell_step(p, node.empty() ? "NODE" : node, "df -h") + ")";
}

}  // namespace kmg::report
