// Runs the detector table over a Model: bundle-scope detectors once, cluster-scope ones per
// cluster, pod-scope ones per pod (fallbacks only where nothing else fired), then groups the
// candidates across replicas, drops rollups that a pod finding covers, and ranks.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <variant>

#include "report/analysis.h"
#include "report/detectors/registry.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using detect::Candidate;
using detect::ClusterCtx;
using detect::Detector;
using detect::Out;
using detect::Role;

Role role_of(const std::string& detector) {
  const Detector* d = detect::find_detector(detector);
  return d == nullptr ? Role::cause : d->role;
}

using Selected = std::vector<const Detector*>;

void run_pod(const ClusterCtx& ctx, const Selected& detectors, const nlohmann::json& pod,
             Out& out) {
  const detect::PodView pv{pod, str(at_path(pod, {"metadata"}), "namespace"),
                           str(at_path(pod, {"metadata"}), "name"),
                           str(at_path(pod, {"spec"}), "nodeName"), ctx.owner_of(pod)};
  const std::size_t before = out.size();
  for (const Detector* d : detectors) {
    const auto* fn = std::get_if<detect::PodFn>(&d->run);
    if (fn == nullptr || (d->role == Role::fallback && out.size() != before)) continue;
    (*fn)(ctx, pv, out);
  }
}

// A pod deleted during the run (a recording kept its last version): what went wrong with it is
// found like a live pod's, and said to be of a deleted pod. No fallback: a pod being deleted is
// not ready by design.
void run_deleted_pod(const ClusterCtx& ctx, const Selected& detectors, const nlohmann::json& pod,
                     Out& out) {
  Selected causes;
  for (const Detector* d : detectors)
    if (d->role != Role::fallback) causes.push_back(d);
  Out found;
  run_pod(ctx, causes, pod, found);
  const std::string when = deleted_at(pod);
  const std::string key = pod_key(pod);
  for (auto& c : found) {
    // Apart from a live pod of the same name (a StatefulSet's pod, re-created).
    c.f.id += "/deleted";
    c.group += "/deleted";
    if (c.f.object.kind == "Pod") c.f.title += " (pod deleted at " + when + ")";
    c.f.evidence.insert(c.f.evidence.begin(),
                        "pod " + key + " was deleted during the run at " + when);
    out.push_back(std::move(c));
  }
}

Out run(const Model& m, const Selected& detectors) {
  Out out;
  for (const Detector* d : detectors)
    if (const auto* fn = std::get_if<detect::BundleFn>(&d->run)) (*fn)(m, out);
  for (const auto& [name, cluster] : m.clusters) {
    const ClusterCtx ctx(m, cluster);
    for (const Detector* d : detectors)
      if (const auto* fn = std::get_if<detect::ClusterFn>(&d->run)) (*fn)(ctx, out);
    for (const auto& pod : cluster.items("pods")) run_pod(ctx, detectors, pod, out);
    for (const auto& pod : cluster.deleted_pods) run_deleted_pod(ctx, detectors, pod, out);
  }
  return out;
}

// A rollup ("N replicas unavailable") adds nothing when a pod finding already covers its object.
void drop_covered_rollups(Out& cands) {
  std::set<std::string> covered;
  for (const auto& c : cands)
    if (!c.f.pods.empty()) covered.insert(c.f.object.display());
  std::erase_if(cands, [&](const Candidate& c) {
    return role_of(c.f.detector) == Role::rollup && covered.count(c.f.object.display()) > 0;
  });
}

// Same cause across replicas: one finding listing every pod.
std::vector<Finding> group_candidates(Out cands) {
  std::map<std::string, Finding> grouped;
  for (auto& c : cands) {
    auto it = grouped.find(c.group);
    if (it == grouped.end()) {
      grouped.emplace(c.group, std::move(c.f));
      continue;
    }
    Finding& f = it->second;
    for (auto& p : c.f.pods)
      if (std::find(f.pods.begin(), f.pods.end(), p) == f.pods.end()) f.pods.push_back(p);
    for (auto& o : c.f.depends_on)
      if (std::none_of(f.depends_on.begin(), f.depends_on.end(),
                       [&](const ObjectRef& x) { return x.display() == o.display(); }))
        f.depends_on.push_back(o);
    f.severity = std::min(f.severity, c.f.severity);
  }
  std::vector<Finding> out;
  for (auto& [key, f] : grouped) {
    std::sort(f.pods.begin(), f.pods.end());
    if (f.pods.size() > 1)
      f.evidence.insert(f.evidence.begin(), "affects " + std::to_string(f.pods.size()) +
                                                " pods: " + join(f.pods, ", "));
    else if (f.pods.size() == 1 && f.object.kind != "Pod")
      f.evidence.insert(f.evidence.begin(), "pod: " + f.pods.front());
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<Finding> detect::run_one(const Model& m, std::string_view detector) {
  const Detector* d = find_detector(detector);
  return d == nullptr ? std::vector<Finding>{} : group_candidates(run(m, {d}));
}

std::vector<Finding> detect_findings(const Model& m) {
  Selected all;
  for (const auto& d : detect::all_detectors()) all.push_back(&d);
  Out cands = run(m, all);
  drop_covered_rollups(cands);
  std::vector<Finding> out = group_candidates(std::move(cands));
  // Within a severity, causes come before the findings that follow from other objects.
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    const bool da = role_of(a.detector) == Role::consequence;
    const bool db = role_of(b.detector) == Role::consequence;
    return std::tie(a.severity, da, a.object.cluster, a.object.ns, a.object.kind, a.object.name,
                    a.id) < std::tie(b.severity, db, b.object.cluster, b.object.ns, b.object.kind,
                                     b.object.name, b.id);
  });
  return out;
}

}  // namespace kmg::report
