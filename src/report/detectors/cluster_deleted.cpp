// A cluster the flight recorder saw disappear (manifest clusters.<c>.recorded.deleted_at, see
// record/finish.h): said once, with the last state the recording kept of it. Its pods' own
// findings come from that state like any gathered cluster's, and stay the root causes they are.
#include "report/detectors/cluster.h"
#include "report/detectors/common.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr std::size_t kPodsShown = 10;

// "node kind-control-plane: Ready=True" from the last recorded Node objects, or the engine's view
// of the nodes when the recording had none.
void add_node_evidence(const ClusterCtx& ctx, Finding& f) {
  for (const auto& node : ctx.c.items("nodes")) {
    const json* ready = condition(node, "Ready");
    f.evidence.push_back("last state: node " + str(at_path(node, {"metadata"}), "name") +
                         " Ready=" + (ready == nullptr ? "Unknown" : str(*ready, "status")));
  }
  if (!ctx.c.items("nodes").empty()) return;
  for (const auto& n : at_path(ctx.c.info, {"nodes"}))
    f.evidence.push_back("last state: node " + str(n, "name") + " (" + str(n, "role") +
                         "): " + str(n, "state"));
}

// The pods that were not running and ready first: they are why anyone reads this.
void add_pod_evidence(const ClusterCtx& ctx, Finding& f) {
  std::vector<std::string> bad, good;
  for (const auto& [key, pod] : ctx.pods()) {
    const std::string ns = str(at_path(*pod, {"metadata"}), "namespace");
    const std::string phase = str(at_path(*pod, {"status"}), "phase");
    const bool fine = phase == "Succeeded" || (phase == "Running" && pod_ready(*pod));
    (fine ? good : bad).push_back("last state: pod " + ns + "/" + pod_state(ctx, *pod));
  }
  for (const auto& line : bad) {
    if (f.evidence.size() >= kPodsShown) break;
    f.evidence.push_back(line);
  }
  if (!good.empty())
    f.evidence.push_back("last state: " + plural(good.size(), "other pod") +
                         " running and ready or succeeded");
}

}  // namespace

void cluster_deleted(const ClusterCtx& ctx, Out& out) {
  const json& recorded = at_path(ctx.c.info, {"recorded"});
  const std::string deleted_at = str(recorded, "deleted_at");
  if (deleted_at.empty()) return;
  const std::string& name = ctx.c.name;
  Candidate cand;
  cand.f.detector = "cluster-deleted";
  cand.f.severity = Severity::warning;
  cand.f.object = ObjectRef{name, "", "Cluster", name};
  cand.f.id = "cluster-deleted:" + name;
  cand.group = cand.f.id;
  cand.f.title = "Cluster " + name + " was deleted during the run at " + deleted_at;
  cand.f.evidence.push_back("recorded from " + str(recorded, "first_seen") + " to " +
                            str(recorded, "last_seen"));
  if (recorded.value("reconstructed", false))
    cand.f.evidence.push_back("its state in this bundle is the last one the recording kept");
  add_node_evidence(ctx, cand.f);
  add_pod_evidence(ctx, cand.f);
  cand.f.cause =
      "The cluster's node containers disappeared while the recorder watched it: a `kind delete "
      "cluster` (a test's teardown, a cleanup step) or the engine removed them. Findings on its "
      "pods come from its last recorded state.";
  cand.f.next_step = "Find what deleted the cluster at " + deleted_at +
                     " (CI steps, the tests' teardown); recorded/clusters/" + name +
                     "/history/ holds every object version up to then.";
  out.push_back(std::move(cand));
}

}  // namespace kmg::report::detect
