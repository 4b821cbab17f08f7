// Nodes: not Ready (and why, when the pod network is what is missing), under memory/disk/PID
// pressure; pods whose sandbox cannot be created because the CNI plugin fails.
#include "report/detectors/nodes.h"

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

// The Ready message when the runtime's network is down (kubelet runtime_state.go from the CRI
// status): "container runtime network not ready: NetworkReady=false
// reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
// or dockershim's "network plugin is not ready: cni config uninitialized".
bool network_not_ready(const std::string& msg) {
  return contains_ci(msg, "runtime network not ready") || contains_ci(msg, "NetworkReady=false") ||
         contains_ci(msg, "NetworkPluginNotReady") ||
         contains_ci(msg, "network plugin is not ready");
}

bool node_network_down(const json& node) {
  const json* ready = condition(node, "Ready");
  return ready != nullptr && str(*ready, "status") != "True" &&
         network_not_ready(str(*ready, "message"));
}

// What the runtime said, without its wrapping: "cni plugin not initialized".
std::string network_detail(const std::string& msg) {
  const auto at = msg.find("message:");
  std::string s = at == std::string::npos ? msg : msg.substr(at + 8);
  if (const auto colon = s.rfind(": "); colon != std::string::npos) s = s.substr(colon + 2);
  return one_line(s);
}

// A CNI agent (kindnet, calico, cilium, flannel...) is the pod that writes the host's CNI
// configuration or binaries: it mounts /etc/cni or /opt/cni from the host.
bool is_cni_pod(const json& pod) {
  for (const auto& v : at_path(pod, {"spec", "volumes"})) {
    const std::string path = str(at_path(v, {"hostPath"}), "path");
    if (starts_with(path, "/etc/cni") || starts_with(path, "/opt/cni")) return true;
  }
  return false;
}

std::vector<const json*> cni_pods_on(const ClusterCtx& ctx, const std::string& node) {
  std::vector<const json*> out;
  for (const auto& [key, pod] : ctx.pods())
    if (str(at_path(*pod, {"spec"}), "nodeName") == node && is_cni_pod(*pod)) out.push_back(pod);
  return out;
}

// The CNI pods on the node, as evidence and as what the node's network depends on.
void add_cni_pods(const ClusterCtx& ctx, const std::string& node, Finding& f) {
  const auto pods = cni_pods_on(ctx, node);
  if (pods.empty())
    f.evidence.push_back("no pod on node " + node +
                         " mounts /etc/cni or /opt/cni: no CNI agent "
                         "runs there");
  for (const json* p : pods) {
    f.evidence.push_back("CNI pod " + str(at_path(*p, {"metadata"}), "namespace") + "/" +
                         pod_state(ctx, *p));
    f.depends_on.push_back(pod_ref(ctx, *p));
  }
}

std::string network_cause(const ClusterCtx& ctx, const std::string& node) {
  const auto pods = cni_pods_on(ctx, node);
  for (const json* p : pods)
    if (!pod_ready(*p))
      return "The CNI agent on the node (" + str(at_path(*p, {"metadata"}), "name") +
             ") is not ready, so no network configuration is written and no pod can get an IP.";
  if (pods.empty())
    return std::string(
               "No CNI plugin is installed on the node, so the runtime has no network "
               "configuration in /etc/cni/net.d") +
           (ctx.profile.platform == Platform::kind
                ? " (a Kind cluster created with networking.disableDefaultCNI: true needs one "
                  "installed)."
                : ".");
  return "The runtime finds no usable CNI configuration in /etc/cni/net.d although a CNI agent "
         "runs: its configuration or binaries are missing or invalid.";
}

std::string pod_label(const PodView& pv) {
  return pv.owner.kind == "Pod" ? "Pod " + pv.name
                                : pv.name + " (" + pv.owner.kind + " " + pv.owner.name + ")";
}

// "plugin type="ptp" failed (add): ..." (libcni) names the plugin; quotes may come escaped.
std::string cni_plugin(const std::string& msg) {
  static const RE2 re(R"re(plugin type=\\?"([^"\\]+))re");
  std::string plugin;
  return RE2::PartialMatch(msg, re, &plugin) ? plugin : "";
}

// The innermost error of a sandbox failure: after "failed (add): ", else after "desc = ".
std::string sandbox_error(const std::string& msg) {
  for (const char* marker : {"failed (add): ", "failed (delete): ", "desc = "})
    if (const auto at = msg.find(marker); at != std::string::npos)
      return one_line(msg.substr(at + std::string_view(marker).size()));
  return one_line(msg);
}

bool is_network_failure(const std::string& msg) {
  return contains_ci(msg, "network") || contains_ci(msg, "cni") ||
         msg.find("plugin type=") != std::string::npos;
}

}  // namespace

void node_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    const json* ready = condition(n, "Ready");
    // A node whose only trouble is its pod network is node-network-not-ready's.
    if (ready && str(*ready, "status") != "True" && !node_network_down(n)) {
      Candidate c = make_obj(ctx, n, "Node", "node-not-ready", Severity::critical);
      c.f.title = "Node " + c.f.object.name + " is NotReady";
      c.f.evidence.push_back("Ready=" + str(*ready, "status") + " " + str(*ready, "reason") + ": " +
                             one_line(str(*ready, "message")));
      c.f.cause =
          "The kubelet on the node is not reporting healthy (often the CNI is not up, or "
          "the node container is stopped).";
      c.f.next_step = "Read the node's kubelet.log and containerd.log in node-logs/, or: " +
                      ctx.node_shell_step(c.f.object.name, "journalctl -u kubelet");
      out.push_back(std::move(c));
    }
  }
}

void node_network_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    if (!node_network_down(n)) continue;
    const json& ready = *condition(n, "Ready");
    Candidate c = make_obj(ctx, n, "Node", "node-network-not-ready", Severity::critical);
    const std::string& node = c.f.object.name;
    c.f.title = "Node " + node + " is NotReady: its pod network is not ready (" +
                network_detail(str(ready, "message")) + ")";
    c.f.evidence.push_back("Ready=" + str(ready, "status") + " " + str(ready, "reason") + ": " +
                           one_line(str(ready, "message")));
    add_cni_pods(ctx, node, c.f);
    c.f.cause = network_cause(ctx, node);
    c.f.next_step =
        "Check the CNI DaemonSet and its pod on the node (kubectl -n kube-system get "
        "daemonsets,pods -o wide), then the node's CNI files: " +
        ctx.node_shell_step(node, "ls /etc/cni/net.d /opt/cni/bin");
    out.push_back(std::move(c));
  }
}

void node_pressure(const ClusterCtx& ctx, Out& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    for (const char* p : {"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"}) {
      const json* cond = condition(n, p);
      if (!cond || str(*cond, "status") != "True") continue;
      Candidate c = make_obj(ctx, n, "Node", "node-pressure", Severity::warning);
      c.f.id += std::string("/") + p;
      c.group = c.f.id;
      c.f.title = "Node " + c.f.object.name + " has " + p;
      c.f.evidence.push_back(std::string(p) + "=True " + str(*cond, "reason") + ": " +
                             one_line(str(*cond, "message")));
      c.f.cause = "The node is short of a resource; the kubelet may evict pods.";
      c.f.next_step = std::string(p) == "DiskPressure"
                          ? "To relieve it, " + free_space_step(ctx.profile, c.f.object.name) + "."
                          : "Move workloads off the node, or give the nodes more resources.";
      out.push_back(std::move(c));
    }
  }
}

void pod_sandbox(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  if (str(at_path(pv.pod, {"status"}), "phase") != "Pending" || pod_ready(pv.pod)) return;
  const auto events =
      events_with(ctx, "Pod", pv.ns, pv.name, {"FailedCreatePodSandBox", "NetworkNotReady"});
  if (events.empty()) return;
  const std::string msg = str(*events.back(), "message");
  const json* node = nullptr;
  for (const auto& n : ctx.c.items("nodes"))
    if (str(at_path(n, {"metadata"}), "name") == pv.node) node = &n;
  const bool node_down = node != nullptr && node_network_down(*node);
  const bool network = node_down || is_network_failure(msg);
  const std::string plugin = cni_plugin(msg);
  Candidate c = make(ctx, pv, "pod-sandbox", Severity::error, "");
  if (node_down || contains_ci(msg, "network is not ready")) {
    c.f.title =
        pod_label(pv) + " cannot start: the pod network of node " + pv.node + " is not ready";
    c.f.cause =
        "The kubelet does not start pods (other than hostNetwork ones) while the "
        "runtime reports NetworkReady=false: the node's CNI plugin is not initialized.";
  } else {
    c.f.title = pod_label(pv) + " cannot start: " +
                (plugin.empty() ? std::string("its pod sandbox cannot be created")
                                : "CNI plugin " + plugin + " fails to set up its network") +
                " (" + sandbox_error(msg) + ")";
    c.f.cause = network ? "The runtime creates the sandbox, then the CNI plugin fails to give "
                          "it a network interface and an IP."
                        : "The container runtime fails to create the pod's sandbox.";
  }
  add_event_evidence(events, c.f, {}, 3);
  if (node != nullptr && (node_down || network)) {
    if (const json* ready = condition(*node, "Ready"); ready && str(*ready, "status") != "True")
      c.f.depends_on.push_back(ObjectRef{ctx.c.name, "", "Node", pv.node});
    add_cni_pods(ctx, pv.node, c.f);
  }
  c.f.next_step = network ? "Fix the node's CNI first (its CNI pod's log, kubectl -n kube-system "
                            "get pods -o wide), then: " +
                                ctx.node_shell_step(pv.node, "ls /etc/cni/net.d /opt/cni/bin")
                          : "Read the node's containerd.log in node-logs/, or: " +
                                ctx.node_shell_step(pv.node, "journalctl -u containerd");
  out.push_back(std::move(c));
}

}  // namespace kmg::report::detect
