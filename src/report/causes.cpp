#include "report/causes.h"

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>

#include "report/detectors/common.h"
#include "report/detectors/registry.h"

namespace kmg::report {
namespace {

using nlohmann::json;

// Whether `obj` is the object `ref` names; an empty cluster or namespace in `ref` matches any.
bool same_object(const ObjectRef& ref, const ObjectRef& obj) {
  return (ref.cluster.empty() || ref.cluster == obj.cluster) &&
         (ref.ns.empty() || ref.ns == obj.ns) && ref.kind == obj.kind && ref.name == obj.name;
}

bool summarises(const Finding& f) {
  const detect::Detector* d = detect::find_detector(f.detector);
  return d != nullptr && (d->role == detect::Role::summary || d->role == detect::Role::rollup);
}

void append_unique(std::vector<std::size_t>& out, const std::vector<std::size_t>& more) {
  for (std::size_t i : more)
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
}

// Clusters a reference can be in: its own, or every one when it names none.
std::vector<const ClusterData*> clusters_of(const Model& m, const ObjectRef& ref) {
  std::vector<const ClusterData*> out;
  for (const auto& [name, c] : m.clusters)
    if (ref.cluster.empty() || ref.cluster == name) out.push_back(&c);
  return out;
}

// Every finding a cause explains, directly or through others.
std::vector<std::size_t> reachable(const std::vector<std::set<std::size_t>>& effects,
                                   std::size_t from) {
  std::set<std::size_t> seen{from};
  std::deque<std::size_t> todo{from};
  while (!todo.empty()) {
    const std::size_t i = todo.front();
    todo.pop_front();
    for (std::size_t e : effects[i])
      if (seen.insert(e).second) todo.push_back(e);
  }
  seen.erase(from);
  return {seen.begin(), seen.end()};
}

std::vector<std::set<std::size_t>> cause_sets(const Model& m, const std::vector<Finding>& fs) {
  const FindingIndex index(m, fs);
  std::vector<std::set<std::size_t>> causes(fs.size());
  for (std::size_t i = 0; i < fs.size(); ++i) {
    for (const auto& ref : fs[i].depends_on)
      for (std::size_t j : index.on(ref))
        if (j != i) causes[i].insert(j);
    if (!summarises(fs[i])) continue;
    for (std::size_t j = 0; j < fs.size(); ++j)
      if (j != i && !summarises(fs[j]) && same_object(fs[i].object, fs[j].object))
        causes[i].insert(j);
  }
  return causes;
}

// The workloads whose pod template a Service selects. When a webhook's pods could not be created
// (or were deleted), no pod carries a finding and the workload's own findings stand for them.
std::vector<ObjectRef> workloads_selected(const ClusterData& c, const std::string& ns,
                                          const std::string& service) {
  std::vector<ObjectRef> out;
  for (const auto& svc : c.items("services")) {
    if (str(at_path(svc, {"metadata"}), "namespace") != ns ||
        str(at_path(svc, {"metadata"}), "name") != service)
      continue;
    const json& selector = at_path(svc, {"spec", "selector"});
    for (const auto& [list, kind] :
         {std::pair{"deployments.apps", "Deployment"},
          std::pair{"statefulsets.apps", "StatefulSet"}, std::pair{"daemonsets.apps", "DaemonSet"}})
      for (const auto& w : c.items(list))
        if (str(at_path(w, {"metadata"}), "namespace") == ns &&
            detect::selector_matches(selector,
                                     at_path(w, {"spec", "template", "metadata", "labels"})))
          out.push_back(ObjectRef{c.name, ns, kind, str(at_path(w, {"metadata"}), "name")});
  }
  return out;
}

}  // namespace

FindingIndex::FindingIndex(const Model& m, const std::vector<Finding>& findings)
    : m_(m), findings_(findings) {}

std::vector<std::size_t> FindingIndex::direct(const ObjectRef& ref) const {
  std::vector<std::size_t> out;
  const std::string pod = ref.ns + "/" + ref.name;
  for (std::size_t i = 0; i < findings_.size(); ++i) {
    const Finding& f = findings_[i];
    // kind "Finding": another finding named by its id (a refusal a crash ends on).
    if (ref.kind == "Finding") {
      if (f.id == ref.name) out.push_back(i);
      continue;
    }
    const bool cluster_ok = ref.cluster.empty() || f.object.cluster == ref.cluster;
    if (same_object(ref, f.object) ||
        (cluster_ok && ref.kind == "Pod" && !ref.ns.empty() &&
         std::find(f.pods.begin(), f.pods.end(), pod) != f.pods.end()) ||
        (cluster_ok && ref.kind == "Pod" && ref.ns.empty() &&
         std::any_of(f.pods.begin(), f.pods.end(),
                     [&](const std::string& p) { return p.ends_with("/" + ref.name); })))
      out.push_back(i);
  }
  return out;
}

// What a pod behind a Service does wrong itself: when one of its findings is a cause (it crashes,
// cannot pull), the consequences on the same pod (it cannot reach another Service) are not why
// the Service fails.
std::vector<std::size_t> FindingIndex::own_failures(std::vector<std::size_t> on_pod) const {
  auto is_cause = [&](std::size_t i) {
    const detect::Detector* d = detect::find_detector(findings_[i].detector);
    return d != nullptr && d->role == detect::Role::cause;
  };
  if (std::any_of(on_pod.begin(), on_pod.end(), is_cause))
    std::erase_if(on_pod, [&](std::size_t i) { return !is_cause(i); });
  return on_pod;
}

std::vector<std::size_t> FindingIndex::behind_service(const ObjectRef& ref) const {
  std::vector<std::size_t> out;
  for (const ClusterData* c : clusters_of(m_, ref)) {
    for (const auto& svc : c->items("services")) {
      const std::string ns = str(at_path(svc, {"metadata"}), "namespace");
      if ((!ref.ns.empty() && ns != ref.ns) || str(at_path(svc, {"metadata"}), "name") != ref.name)
        continue;
      const json& selector = at_path(svc, {"spec", "selector"});
      for (const auto& pod : c->items("pods"))
        if (str(at_path(pod, {"metadata"}), "namespace") == ns &&
            detect::selector_matches(selector, at_path(pod, {"metadata", "labels"})))
          append_unique(out, own_failures(direct(ObjectRef{
                                 c->name, ns, "Pod", str(at_path(pod, {"metadata"}), "name")})));
    }
  }
  return out;
}

// An admission webhook (by its name, "routes.example.com") is served by the Service its
// configuration names: the findings on that Service, on the pods it selects, and on the
// workloads whose pods it would select.
std::vector<std::size_t> FindingIndex::behind_webhook(const ObjectRef& ref) const {
  std::vector<std::size_t> out;
  for (const ClusterData* c : clusters_of(m_, ref)) {
    for (const char* list : {"validatingwebhookconfigurations.admissionregistration.k8s.io",
                             "mutatingwebhookconfigurations.admissionregistration.k8s.io"}) {
      for (const auto& config : c->items(list)) {
        for (const auto& hook : at_path(config, {"webhooks"})) {
          if (str(hook, "name") != ref.name) continue;
          const json& svc = at_path(hook, {"clientConfig", "service"});
          if (!svc.is_object()) continue;
          append_unique(out,
                        on(ObjectRef{c->name, str(svc, "namespace"), "Service", str(svc, "name")}));
          for (const auto& w : workloads_selected(*c, str(svc, "namespace"), str(svc, "name")))
            append_unique(out, direct(w));
        }
      }
    }
  }
  return out;
}

std::vector<std::size_t> FindingIndex::on(const ObjectRef& ref) const {
  // A pod is named as a cause for what it does wrong itself, not for what it suffers.
  std::vector<std::size_t> out = ref.kind == "Pod" ? own_failures(direct(ref)) : direct(ref);
  if (ref.kind == "Service") append_unique(out, behind_service(ref));
  if (ref.kind == "Webhook") append_unique(out, behind_webhook(ref));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<RootCause> link_causes(const Model& m, std::vector<Finding>& findings) {
  const auto causes = cause_sets(m, findings);
  std::vector<std::set<std::size_t>> effects(findings.size());
  for (std::size_t i = 0; i < findings.size(); ++i)
    for (std::size_t c : causes[i]) effects[c].insert(i);
  for (std::size_t i = 0; i < findings.size(); ++i) {
    for (std::size_t c : causes[i]) findings[i].caused_by.push_back(findings[c].id);
    for (std::size_t e : effects[i]) findings[i].effects.push_back(findings[e].id);
  }
  // Roots: nothing explains them. Findings caught in a cycle of causes are reached from none;
  // the first of each cycle, in rank order, stands as its root.
  std::vector<RootCause> roots;
  std::vector<bool> reached(findings.size(), false);
  auto add_root = [&](std::size_t i) {
    roots.push_back({i, reachable(effects, i)});
    reached[i] = true;
    for (std::size_t e : roots.back().explains) reached[e] = true;
  };
  for (std::size_t i = 0; i < findings.size(); ++i)
    if (causes[i].empty()) add_root(i);
  for (std::size_t i = 0; i < findings.size(); ++i)
    if (!reached[i]) add_root(i);
  for (const auto& r : roots) findings[r.finding].root_cause = true;
  std::stable_sort(roots.begin(), roots.end(), [&](const RootCause& a, const RootCause& b) {
    return std::make_tuple(b.explains.size(), findings[a.finding].severity, a.finding) <
           std::make_tuple(a.explains.size(), findings[b.finding].severity, b.finding);
  });
  return roots;
}

std::vector<std::size_t> roots_of(const std::vector<Finding>& findings, std::size_t finding) {
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < findings.size(); ++i) by_id[findings[i].id] = i;
  std::set<std::size_t> seen{finding}, roots;
  std::deque<std::size_t> todo{finding};
  while (!todo.empty()) {
    const std::size_t i = todo.front();
    todo.pop_front();
    if (findings[i].root_cause) {
      roots.insert(i);
      continue;
    }
    for (const auto& id : findings[i].caused_by)
      if (auto it = by_id.find(id); it != by_id.end() && seen.insert(it->second).second)
        todo.push_back(it->second);
  }
  return {roots.begin(), roots.end()};
}

}  // namespace kmg::report
