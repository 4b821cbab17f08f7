// The cluster as a whole: no cluster found at all, an API server that cannot be reached.
#include "report/detectors/cluster.h"

#include "report/detectors/common.h"
#include "report/detectors/node_images.h"
#include "util/text.h"

namespace kmg::report::detect {

using nlohmann::json;

void no_clusters(const Model& m, Out& out) {
  if (!m.clusters.empty()) return;
  Candidate c;
  c.f.detector = "no-clusters";
  c.f.severity = Severity::critical;
  c.f.object = ObjectRef{"", "", "Host", "kind"};
  c.f.id = "no-clusters";
  c.group = c.f.id;
  c.f.title = "No Kind cluster found";
  for (const auto& e : at_path(m.manifest, {"engines"}))
    c.f.evidence.push_back("engine " + str(e, "provider") + " at " + str(e, "endpoint") +
                           (str(e, "error").empty() ? "" : ": " + str(e, "error")));
  if (!m.has_manifest) c.f.evidence.push_back("the bundle has no manifest.json");
  c.f.cause =
      "No container labelled io.x-k8s.kind.cluster was found, and no kubeconfig "
      "context pointed at a cluster (the cluster was deleted before collection, or the "
      "engine socket is not the one Kind used).";
  c.f.next_step =
      "Run the collection before `kind delete cluster`; check DOCKER_HOST / "
      "KIND_EXPERIMENTAL_PROVIDER.";
  out.push_back(std::move(c));
}

namespace {

// "kind-control-plane is exited" when the engine saw a control-plane node not running.
std::string control_plane_down(const json& info) {
  for (const auto& n : at_path(info, {"nodes"})) {
    const std::string state = str(n, "state");
    if (str(n, "role") == "control-plane" && !state.empty() && state != "running")
      return str(n, "name") + " is " + state;
  }
  return "";
}

}  // namespace

void api_unreachable(const ClusterCtx& ctx, Out& out) {
  const ClusterData& c = ctx.c;
  const json& reachable = at_path(c.info, {"reachable"});
  if (!reachable.is_boolean() || reachable.get<bool>()) return;
  // A cluster deleted during the run is unreachable for that reason: cluster-deleted says it.
  if (at_path(c.info, {"recorded", "deleted_at"}).is_string()) return;
  Candidate cand;
  cand.f.detector = "api-unreachable";
  cand.f.severity = Severity::critical;
  cand.f.object = ObjectRef{c.name, "", "Cluster", c.name};
  cand.f.id = "api-unreachable:" + c.name;
  cand.group = cand.f.id;
  cand.f.title = "API server of cluster " + c.name + " is unreachable";
  cand.f.evidence.push_back("api_endpoint: " + str(c.info, "api_endpoint"));
  const std::string kubeconfig = str(c.info, "kubeconfig_source");
  if (!kubeconfig.empty()) cand.f.evidence.push_back("kubeconfig: " + kubeconfig);
  const std::string reason = str(c.info, "unreachable_reason");
  if (!reason.empty()) cand.f.evidence.push_back("error: " + reason);
  for (const auto& p : at_path(c.info, {"problems"}))
    if (p.is_string()) cand.f.evidence.push_back(p.get<std::string>());
  for (const auto& n : at_path(c.info, {"nodes"}))
    cand.f.evidence.push_back("node " + str(n, "name") + " (" + str(n, "role") +
                              "): " + str(n, "state"));
  add_node_side_evidence(ctx, cand.f);
  const bool credentials = reason.find("private key") != std::string::npos ||
                           reason.find("certificate") != std::string::npos ||
                           reason.find("SSL") != std::string::npos;
  if (credentials) {
    cand.f.cause =
        "The TLS connection failed on the kubeconfig's credentials: the client certificate and "
        "key do not belong together, or the CA does not match the server.";
    cand.f.next_step = "kubectl --kubeconfig " + (kubeconfig.empty() ? "FILE" : kubeconfig) +
                       " get --raw /version; compare client-certificate-data with "
                       "client-key-data.";
  } else if (str(c.info, "provider") == "kubeconfig") {
    cand.f.cause = "Nothing usable answered at the kubeconfig's server address.";
    cand.f.next_step = "kubectl --kubeconfig " + (kubeconfig.empty() ? "FILE" : kubeconfig) +
                       " get --raw /version";
  } else if (const std::string down = control_plane_down(c.info); !down.empty()) {
    cand.f.cause = "The control-plane node " + down +
                   " (as the container engine reports it): the API server runs inside it, so "
                   "only node-level data could be gathered.";
    cand.f.next_step =
        ctx.list_nodes_step() + "; read node-logs/ (kubelet, containerd) in the bundle.";
  } else {
    cand.f.cause =
        "The control-plane container is stopped or unhealthy, or the published port "
        "changed; only node-level data could be gathered.";
    cand.f.next_step =
        ctx.list_nodes_step() + "; read node-logs/ (kubelet, containerd) in the bundle.";
  }
  out.push_back(std::move(cand));
}

}  // namespace kmg::report::detect
