// Storage: PersistentVolumeClaims that stay Pending, named by what the persistentvolume
// controller and the provisioners said (pkg/controller/volume/persistentvolume/pv_controller.go,
// sig-storage-lib-external-provisioner). A Pending pod that waits for a claim depends on it
// (scheduling.cpp), and the claim on its StorageClass.
#include "report/detectors/storage.h"

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

// The controller repeats ExternalProvisioning every resync (15 s): a wait this long with a
// scheduled consumer means the provisioner is not doing its job.
constexpr EpochNanos kSlowProvisioning = 120LL * 1000 * 1000 * 1000;

std::string annotation(const json& obj, const char* key) {
  return str(at_path(obj, {"metadata", "annotations"}), key);
}

// The class a claim asks for: spec.storageClassName, else the beta annotation. Empty is "no
// class" (set to "" or left unset when the cluster had no default at creation).
std::string claim_class(const json& pvc) {
  const std::string cls = str(at_path(pvc, {"spec"}), "storageClassName");
  return cls.empty() ? annotation(pvc, "volume.beta.kubernetes.io/storage-class") : cls;
}

bool is_default_class(const json& sc) {
  return annotation(sc, "storageclass.kubernetes.io/is-default-class") == "true" ||
         annotation(sc, "storageclass.beta.kubernetes.io/is-default-class") == "true";
}

const json* storage_class(const ClusterCtx& ctx, const std::string& name) {
  for (const auto& sc : ctx.c.items("storageclasses.storage.k8s.io"))
    if (str(at_path(sc, {"metadata"}), "name") == name) return &sc;
  return nullptr;
}

// "standard (default, rancher.io/local-path, WaitForFirstConsumer)", or "none".
std::string existing_classes(const ClusterCtx& ctx) {
  std::vector<std::string> out;
  for (const auto& sc : ctx.c.items("storageclasses.storage.k8s.io")) {
    std::string mode = str(sc, "volumeBindingMode");
    out.push_back(str(at_path(sc, {"metadata"}), "name") + " (" +
                  (is_default_class(sc) ? "default, " : "") + str(sc, "provisioner") +
                  (mode.empty() ? "" : ", " + mode) + ")");
  }
  return out.empty() ? "none" : join(out, ", ");
}

bool has_default_class(const ClusterCtx& ctx) {
  for (const auto& sc : ctx.c.items("storageclasses.storage.k8s.io"))
    if (is_default_class(sc)) return true;
  return false;
}

// The pods that mount the claim.
std::vector<const json*> consumers(const ClusterCtx& ctx, const std::string& ns,
                                   const std::string& claim) {
  std::vector<const json*> out;
  for (const auto& [key, pod] : ctx.pods()) {
    if (str(at_path(*pod, {"metadata"}), "namespace") != ns) continue;
    for (const auto& v : at_path(*pod, {"spec", "volumes"}))
      if (str(at_path(v, {"persistentVolumeClaim"}), "claimName") == claim) out.push_back(pod);
  }
  return out;
}

// What the claim waits for, in the controller's and the provisioner's words.
struct Diagnosis {
  std::string title, cause, next;
};

std::string missing_class_in(const std::string& msg) {
  static const RE2 re(R"re(storageclass(?:\.storage\.k8s\.io)? \\?"([^"\\]+)\\?" not found)re");
  std::string name;
  return RE2::PartialMatch(msg, re, &name) ? name : "";
}

std::string provisioner_in(const std::string& msg) {
  static const RE2 re(R"re(external provisioner \\?["']([^"'\\]+)\\?["'])re");
  std::string name;
  return RE2::PartialMatch(msg, re, &name) ? name : "";
}

std::string kind_classes_hint(const ClusterCtx& ctx) {
  return ctx.profile.platform == Platform::kind
             ? " (Kind ships 'standard', provisioner rancher.io/local-path in namespace "
               "local-path-storage)"
             : "";
}

Diagnosis missing_class(const ClusterCtx& ctx, const std::string& cls) {
  return {"asks for StorageClass " + cls + ", which does not exist",
          "The claim names StorageClass '" + cls +
              "', which the cluster does not have, so no volume is provisioned; it stays "
              "Pending, and so does every pod that mounts it.",
          "Use an existing class in storageClassName" + kind_classes_hint(ctx) +
              " (a claim's class cannot be changed: delete and recreate the PVC, or the "
              "StatefulSet's volumeClaimTemplates), or create StorageClass " +
              cls + ": kubectl get storageclass"};
}

Diagnosis no_volume(const ClusterCtx& ctx, const json& pvc) {
  const bool unset = !at_path(pvc, {"spec"}).contains("storageClassName");
  std::string why = unset && !has_default_class(ctx)
                        ? "The claim names no StorageClass and the cluster has no default one"
                    : unset ? "The claim names no StorageClass"
                            : "The claim sets storageClassName: \"\" (no dynamic provisioning)";
  return {"has no volume: no PersistentVolume matches and no StorageClass provisions one",
          why + ", and no PersistentVolume matches its size, access modes and class.",
          "Set storageClassName to an existing class" + kind_classes_hint(ctx) +
              (has_default_class(ctx) ? ""
                                      : ", mark a class default (annotation "
                                        "storageclass.kubernetes.io/is-default-class: "
                                        "\"true\")") +
              ", or create a PersistentVolume matching the claim: kubectl get pv,storageclass"};
}

Diagnosis provisioning_failed(const ClusterCtx& ctx, const std::string& msg) {
  return {"cannot be provisioned: " + one_line(msg),
          "The provisioner of its StorageClass tried and failed to create the volume.",
          "Read the provisioner's log and check the StorageClass parameters" +
              kind_classes_hint(ctx) + ": kubectl get pods -A | grep -i provisioner"};
}

Diagnosis slow_provisioner(const ClusterCtx& ctx, const std::string& provisioner) {
  const std::string who = provisioner.empty() ? "its provisioner" : "provisioner " + provisioner;
  return {"waits for " + who + " to create its volume",
          "Its consumer is scheduled, but " + who +
              " has not created the volume: the provisioner is not running, not registered "
              "under that name, or failing silently.",
          "Check that " + who + " runs and read its log" + kind_classes_hint(ctx) +
              ": kubectl get pods -A | grep -i provisioner"};
}

// The time between the first and the last of these events.
EpochNanos span(const std::vector<const json*>& events) {
  std::optional<EpochNanos> first, last;
  for (const json* ev : events) {
    if (auto f = event_first(*ev); f && (!first || *f < *first)) first = f;
    if (auto l = event_last(*ev); l && (!last || *l > *last)) last = l;
  }
  return first && last ? *last - *first : 0;
}

bool consumer_scheduled(const json& pvc, const std::vector<const json*>& pods) {
  if (!annotation(pvc, "volume.kubernetes.io/selected-node").empty()) return true;
  for (const json* p : pods)
    if (!str(at_path(*p, {"spec"}), "nodeName").empty()) return true;
  return false;
}

std::optional<Diagnosis> diagnose(const ClusterCtx& ctx, const json& pvc, const std::string& ns,
                                  const std::string& name, const std::vector<const json*>& pods) {
  const std::string cls = claim_class(pvc);
  const auto failed = events_with(ctx, "PersistentVolumeClaim", ns, name, {"ProvisioningFailed"});
  for (const json* ev : failed)
    if (auto missing = missing_class_in(str(*ev, "message")); !missing.empty())
      return missing_class(ctx, missing);
  if (!cls.empty() && storage_class(ctx, cls) == nullptr &&
      !ctx.c.items("storageclasses.storage.k8s.io").empty())
    return missing_class(ctx, cls);
  if (!failed.empty()) return provisioning_failed(ctx, str(*failed.back(), "message"));
  if (!events_with(ctx, "PersistentVolumeClaim", ns, name, {"FailedBinding"}).empty())
    return no_volume(ctx, pvc);
  // ExternalProvisioning is the normal wait; it is a failure only when it lasts with the
  // consumer already on a node (WaitForFirstConsumer is satisfied).
  const auto waiting =
      events_with(ctx, "PersistentVolumeClaim", ns, name, {"ExternalProvisioning"});
  if (!waiting.empty() && consumer_scheduled(pvc, pods) && span(waiting) >= kSlowProvisioning)
    return slow_provisioner(ctx, provisioner_in(str(*waiting.back(), "message")));
  return std::nullopt;
}

void add_claim_evidence(const ClusterCtx& ctx, const json& pvc,
                        const std::vector<const json*>& pods, Finding& f) {
  const json& spec = at_path(pvc, {"spec"});
  std::vector<std::string> modes;
  for (const auto& m : at_path(spec, {"accessModes"}))
    if (m.is_string()) modes.push_back(m.get<std::string>());
  const std::string cls = claim_class(pvc);
  f.evidence.push_back("PVC " + f.object.ns + "/" + f.object.name +
                       " is Pending: storageClassName " + (cls.empty() ? "<none>" : cls) +
                       ", requests " + str(at_path(spec, {"resources", "requests"}), "storage") +
                       " " + join(modes, ","));
  f.evidence.push_back("StorageClasses in the cluster: " + existing_classes(ctx));
  add_event_evidence(ctx.events_for("PersistentVolumeClaim", f.object.ns, f.object.name), f,
                     {"ProvisioningFailed", "FailedBinding", "ExternalProvisioning",
                      "WaitForFirstConsumer", "WaitForPodScheduled", "Provisioning"});
  for (const json* p : pods) f.evidence.push_back("used by pod " + pod_state(ctx, *p));
}

}  // namespace

void pvc_pending(const ClusterCtx& ctx, Out& out) {
  for (const auto& pvc : ctx.c.items("persistentvolumeclaims")) {
    if (str(at_path(pvc, {"status"}), "phase") != "Pending") continue;
    const std::string ns = str(at_path(pvc, {"metadata"}), "namespace");
    const std::string name = str(at_path(pvc, {"metadata"}), "name");
    const auto pods = consumers(ctx, ns, name);
    const auto why = diagnose(ctx, pvc, ns, name, pods);
    if (!why) continue;
    Candidate c = make_obj(ctx, pvc, "PersistentVolumeClaim", "pvc-pending", Severity::error);
    c.f.title = "PVC " + name + " " + why->title;
    c.f.cause = why->cause;
    c.f.next_step = why->next;
    add_claim_evidence(ctx, pvc, pods, c.f);
    for (const json* p : pods)
      c.f.pods.push_back(ns + "/" + str(at_path(*p, {"metadata"}), "name"));
    if (const std::string cls = claim_class(pvc); !cls.empty())
      c.f.depends_on.push_back(ObjectRef{ctx.c.name, "", "StorageClass", cls});
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
