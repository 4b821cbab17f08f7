// Scheduling: pods the scheduler cannot place, with each reason of its message named.
#include "report/detectors/scheduling.h"

#include <algorithm>
#include <utility>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

// The key of the taint a FailedScheduling message names, in either wording: "had untolerated
// taint {key: value}" (Kubernetes 1.25+) or "had taint {key: value}, that the pod didn't
// tolerate" (before). Empty when it names none.
std::string scheduling_taint(const std::string& msg) {
  for (const char* marker : {"untolerated taint {", "had taint {"}) {
    const auto start = msg.find(marker);
    if (start == std::string::npos) continue;
    const auto key = start + std::string_view(marker).size();
    const auto end = msg.find_first_of(":}", key);
    if (end != std::string::npos) return msg.substr(key, end - key);
  }
  return "";
}

// The taints the node lifecycle controller puts on a node that is not Ready: the pod waits for
// the node, and a toleration would only hide that.
bool node_not_ready_taint(const std::string& taint) {
  return taint == "node.kubernetes.io/not-ready" || taint == "node.kubernetes.io/unreachable";
}

// The VolumeBinding plugin failed after a node was chosen ("running PreBind plugin
// \"VolumeBinding\": binding volumes: timed out waiting for the condition"): the claim could not
// be bound or provisioned in time; no node is at fault.
bool volume_binding_failed(const std::string& msg) {
  return msg.find("PreBind plugin \"VolumeBinding\"") != std::string::npos ||
         msg.find("binding volumes:") != std::string::npos;
}

// The claim a pod mounts that does not exist: "persistentvolumeclaim \"data\" not found".
std::string missing_claim(const std::string& msg) {
  static const RE2 re(R"re(persistentvolumeclaim \\?"([^"\\]+)\\?" not found)re");
  std::string name;
  return RE2::PartialMatch(msg, re, &name) ? name : "";
}

std::string scheduling_cause(const std::string& msg) {
  if (volume_binding_failed(msg))
    return "A node was chosen, but its PersistentVolumeClaim could not be bound in time "
           "(VolumeBinding PreBind): the volume was not provisioned.";
  std::vector<std::string> causes;
  // "1 Insufficient cpu, 2 Insufficient nvidia.com/gpu": each resource once, in message order.
  for (std::size_t at = msg.find("Insufficient "); at != std::string::npos;
       at = msg.find("Insufficient ", at + 1)) {
    const auto name_start = at + std::string_view("Insufficient ").size();
    const auto name_end = msg.find_first_of(" ,", name_start);
    std::string resource = msg.substr(
        name_start, name_end == std::string::npos ? std::string::npos : name_end - name_start);
    // "Insufficient nvidia.com/gpu. preemption: ...": the sentence's dot is not the name's.
    if (!resource.empty() && resource.back() == '.') resource.pop_back();
    if (resource == "cpu") resource = "CPU";
    const std::string cause = "not enough " + resource;
    if (!resource.empty() && std::find(causes.begin(), causes.end(), cause) == causes.end())
      causes.push_back(cause);
  }
  if (const std::string taint = scheduling_taint(msg); node_not_ready_taint(taint)) {
    causes.push_back("the node is not Ready (taint " + taint + ")");
  } else if (!taint.empty()) {
    causes.push_back("a node taint the pod does not tolerate (" + taint + ")");
  }
  if (contains_ci(msg, "unbound") && contains_ci(msg, "PersistentVolumeClaim"))
    causes.push_back("an unbound PersistentVolumeClaim");
  if (const std::string claim = missing_claim(msg); !claim.empty())
    causes.push_back("PersistentVolumeClaim " + claim + " does not exist");
  // The VolumeBinding filter's per-node reasons (volume_binding.go ErrReason*).
  for (const auto& [reason, cause] :
       {std::pair{"didn't find available persistent volumes to bind",
                  "no PersistentVolume matches the claim"},
        std::pair{"volume node affinity conflict", "the claim's volume is bound to another node"},
        std::pair{"did not have enough free storage", "not enough free storage"}})
    if (contains_ci(msg, reason)) causes.push_back(cause);
  if (contains_ci(msg, "node affinity") || contains_ci(msg, "node selector"))
    causes.push_back("node affinity/selector matching no node");
  if (causes.empty()) return "The scheduler found no node that fits.";
  return "No node fits: " + join(causes, ", ") + ".";
}

std::string scheduling_next(const std::string& msg) {
  if (volume_binding_failed(msg))
    return "Check the pod's PVC and its StorageClass's provisioner (Kind ships 'standard', "
           "rancher local-path in local-path-storage): see the PVC's own events.";
  if (!missing_claim(msg).empty())
    return "Create the PersistentVolumeClaim " + missing_claim(msg) +
           " in the pod's namespace, or fix the claimName in the pod's volumes.";
  if (contains_ci(msg, "unbound") && contains_ci(msg, "PersistentVolumeClaim"))
    return "Check the PVC and its StorageClass (Kind ships 'standard', rancher local-path).";
  if (contains_ci(msg, "Insufficient"))
    return "Lower the pod's resource requests or add nodes to the Kind cluster.";
  if (node_not_ready_taint(scheduling_taint(msg)))
    return "Find why the node is not Ready (the node finding, its kubelet.log): the pod is "
           "scheduled once it is; a toleration would only hide it.";
  if (contains_ci(msg, "taint"))
    return "Add a toleration, or schedule on a worker node (Kind's control plane is tainted "
           "when workers exist).";
  return "Check nodeSelector/affinity against the node labels.";
}

// What the pod waits for: its claims (unbound or not provisioned), or nodes that are not Ready.
void link_scheduling_causes(const ClusterCtx& ctx, const PodView& pv, const std::string& msg,
                            Finding& f) {
  if (volume_binding_failed(msg) || contains_ci(msg, "PersistentVolumeClaim") ||
      contains_ci(msg, "persistent volume") || contains_ci(msg, "free storage")) {
    for (const auto& v : at_path(pv.pod, {"spec", "volumes"})) {
      const std::string claim = str(at_path(v, {"persistentVolumeClaim"}), "claimName");
      if (!claim.empty())
        f.depends_on.push_back(ObjectRef{ctx.c.name, pv.ns, "PersistentVolumeClaim", claim});
    }
  }
  if (!node_not_ready_taint(scheduling_taint(msg))) return;
  for (const auto& n : ctx.c.items("nodes")) {
    const json* ready = condition(n, "Ready");
    if (ready != nullptr && str(*ready, "status") != "True")
      f.depends_on.push_back(
          ObjectRef{ctx.c.name, "", "Node", str(at_path(n, {"metadata"}), "name")});
  }
}

}  // namespace

void unschedulable_pod(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  bool failed_event = false;
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    if (str(*ev, "reason") == "FailedScheduling") failed_event = true;
  if (str(at_path(pv.pod, {"status"}), "phase") != "Pending" ||
      (!unschedulable(pv.pod) && !failed_event) || !pv.node.empty())
    return;
  const std::string msg = scheduling_message(ctx, pv.ns, pv.pod);
  Candidate c = make(ctx, pv, "unschedulable", Severity::error, "");
  c.f.title =
      (pv.owner.kind == "Pod" ? "Pod " + pv.name
                              : pv.name + " (" + pv.owner.kind + " " + pv.owner.name + ")") +
      " cannot be scheduled: " + scheduling_cause(msg);
  if (!msg.empty()) c.f.evidence.push_back("FailedScheduling: " + one_line(msg));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"FailedScheduling"}, 2);
  c.f.cause = scheduling_cause(msg);
  c.f.next_step = scheduling_next(msg);
  link_scheduling_causes(ctx, pv, msg, c.f);
  out.push_back(std::move(c));
}

}  // namespace kmg::report::detect
