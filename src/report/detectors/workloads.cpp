// Workloads: Deployments that do not roll out, Jobs that failed, StatefulSets and DaemonSets
// short of ready pods. Their pods' own findings say why; the graph links them.
#include "report/detectors/workloads.h"

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

void deployment_rollout(const ClusterCtx& ctx, bool stalled, Out& out) {
  for (const auto& d : ctx.c.items("deployments.apps")) {
    const json* prog = condition(d, "Progressing");
    const long want = num(d, {"spec", "replicas"}, 1);
    const long avail = num(d, {"status", "availableReplicas"});
    const long unavail = num(d, {"status", "unavailableReplicas"});
    const bool deadline = prog && str(*prog, "status") == "False" &&
                          str(*prog, "reason") == "ProgressDeadlineExceeded";
    if (!deadline && unavail == 0 && avail >= want) continue;
    if (deadline != stalled) continue;
    Candidate c =
        make_obj(ctx, d, "Deployment", deadline ? "deployment-stalled" : "deployment-unavailable",
                 deadline ? Severity::error : Severity::warning);
    const std::string name = c.f.object.name;
    c.f.title = deadline ? "Deployment " + name + " exceeded its progress deadline"
                         : "Deployment " + name + " has unavailable replicas";
    if (prog)
      c.f.evidence.push_back("Progressing=" + str(*prog, "status") + " " + str(*prog, "reason") +
                             ": " + one_line(str(*prog, "message")));
    c.f.evidence.push_back("replicas: " + std::to_string(want) + " wanted, " +
                           std::to_string(avail) + " available, " + std::to_string(unavail) +
                           " unavailable");
    c.f.cause = "Its pods do not become available; see the pod findings for this Deployment.";
    c.f.next_step = "kubectl rollout status deployment/" + name + " -n " + c.f.object.ns +
                    "; fix the failing pods (findings above).";
    out.push_back(std::move(c));
  }
}

}  // namespace

void deployment_stalled(const ClusterCtx& ctx, Out& out) { deployment_rollout(ctx, true, out); }

void deployment_unavailable(const ClusterCtx& ctx, Out& out) {
  deployment_rollout(ctx, false, out);
}

void job_failed(const ClusterCtx& ctx, Out& out) {
  for (const auto& j : ctx.c.items("jobs.batch")) {
    const json* failed = condition(j, "Failed");
    if (!failed || str(*failed, "status") != "True") continue;
    Candidate c = make_obj(ctx, j, "Job", "job-failed", Severity::error);
    const std::string reason = str(*failed, "reason");
    c.f.title = "Job " + c.f.object.name + " failed (" + reason + ")";
    c.f.evidence.push_back("Failed=True " + reason + ": " + one_line(str(*failed, "message")));
    c.f.evidence.push_back(
        "pods failed: " + std::to_string(num(j, {"status", "failed"})) +
        ", backoffLimit: " + std::to_string(num(j, {"spec", "backoffLimit"}, 6)));
    add_event_evidence(ctx.events_for("Job", c.f.object.ns, c.f.object.name), c.f, {}, 3);
    c.f.cause = reason == "DeadlineExceeded"
                    ? "The Job ran longer than activeDeadlineSeconds."
                    : "Its pods failed more often than backoffLimit allows.";
    c.f.next_step =
        "Read the logs of the Job's pods (findings for its pods, or the bundle's "
        "pod logs).";
    out.push_back(std::move(c));
  }
}

void statefulset_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& s : ctx.c.items("statefulsets.apps")) {
    const long want = num(s, {"spec", "replicas"}, 1);
    const long ready = num(s, {"status", "readyReplicas"});
    if (ready >= want) continue;
    Candidate c = make_obj(ctx, s, "StatefulSet", "statefulset-not-ready", Severity::warning);
    c.f.title = "StatefulSet " + c.f.object.name + " has " + std::to_string(ready) + "/" +
                std::to_string(want) + " ready replicas";
    c.f.evidence.push_back("readyReplicas " + std::to_string(ready) + " of " +
                           std::to_string(want));
    c.f.cause =
        "Its pods are not ready (StatefulSets start pods one by one, so one stuck pod "
        "blocks the rest).";
    c.f.next_step = "See the findings for its pods.";
    out.push_back(std::move(c));
  }
}

void daemonset_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& d : ctx.c.items("daemonsets.apps")) {
    const long want = num(d, {"status", "desiredNumberScheduled"});
    const long ready = num(d, {"status", "numberReady"});
    if (ready >= want) continue;
    Candidate c = make_obj(ctx, d, "DaemonSet", "daemonset-not-ready", Severity::warning);
    c.f.title = "DaemonSet " + c.f.object.name + " has " + std::to_string(ready) + "/" +
                std::to_string(want) + " ready pods";
    c.f.evidence.push_back("numberReady " + std::to_string(ready) + " of desiredNumberScheduled " +
                           std::to_string(want));
    c.f.cause = "Some of its pods are not ready.";
    c.f.next_step = "See the findings for its pods.";
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
