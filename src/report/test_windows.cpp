#include "report/test_windows.h"

#include <algorithm>
#include <vector>

namespace kmg::report {
namespace {

// The pods a finding is about: its own object when a pod, and the replicas it groups ("ns/pod").
std::vector<std::pair<std::string, std::string>> finding_pods(const Finding& f) {
  std::vector<std::pair<std::string, std::string>> out;
  if (f.object.kind == "Pod") out.emplace_back(f.object.ns, f.object.name);
  for (const auto& p : f.pods) {
    const std::size_t slash = p.find('/');
    if (slash != std::string::npos) out.emplace_back(p.substr(0, slash), p.substr(slash + 1));
  }
  return out;
}

}  // namespace

EvidenceTimes::EvidenceTimes(const Model& m) {
  for (const auto& [name, c] : m.clusters) {
    add_events(name, c);
    add_logs(name, c);
    for (const auto& pod : c.items("pods")) {
      const nlohmann::json& meta = at_path(pod, {"metadata"});
      pods_.emplace(name, str(meta, "namespace"), str(meta, "name"));
    }
  }
}

void EvidenceTimes::add(const Key& key, EpochNanos first, EpochNanos last) {
  auto [it, inserted] = spans_.try_emplace(key, TimeSpan{first, last});
  if (inserted) return;
  it->second.first = std::min(it->second.first, first);
  it->second.last = std::max(it->second.last, last);
}

// Warning events only: Normal ones (Scheduled, Pulled, ScalingReplicaSet) are no evidence of a
// failure and would stretch every span back to the object's creation.
void EvidenceTimes::add_events(const std::string& cluster, const ClusterData& c) {
  for (const auto& ev : c.events) {
    if (str(ev, "type") != "Warning") continue;
    const auto first = event_first(ev);
    if (!first) continue;
    const nlohmann::json& obj = at_path(ev, {"involvedObject"});
    add({cluster, str(obj, "namespace"), str(obj, "kind"), str(obj, "name")}, *first,
        std::max(*first, event_last(ev).value_or(*first)));
  }
}

void EvidenceTimes::add_logs(const std::string& cluster, const ClusterData& c) {
  for (const auto& [path, log] : c.logs)
    for (const auto& e : log.errors)
      if (e.time) add({cluster, log.ns, "Pod", log.pod}, *e.time, *e.time);
}

std::optional<TimeSpan> EvidenceTimes::of(const Finding& f) const {
  std::optional<TimeSpan> out;
  auto merge = [&](const Key& key) {
    const auto it = spans_.find(key);
    if (it == spans_.end()) return;
    if (!out) out = it->second;
    out->first = std::min(out->first, it->second.first);
    out->last = std::max(out->last, it->second.last);
  };
  const ObjectRef& o = f.object;
  merge({o.cluster, o.ns, o.kind, o.name});
  for (const auto& [ns, pod] : finding_pods(f)) merge({o.cluster, ns, "Pod", pod});
  return out;
}

bool EvidenceTimes::still_going(const Finding& f) const {
  const auto pods = finding_pods(f);
  if (pods.empty()) return true;
  return std::any_of(pods.begin(), pods.end(), [&](const auto& p) {
    return pods_.contains({f.object.cluster, p.first, p.second});
  });
}

bool EvidenceTimes::explains(const TestCase& t, const Finding& f) const {
  if (!t.time) return true;
  const std::optional<TimeSpan> span = of(f);
  if (!span) return true;
  const EpochNanos end = t.end.value_or(*t.time);
  if (span->first > end + kTestWindowSlack) return false;  // began after the test was over
  return span->last >= *t.time - kTestWindowSlack || still_going(f);
}

}  // namespace kmg::report
