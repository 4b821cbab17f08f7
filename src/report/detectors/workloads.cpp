// Workloads: Deployments that do not roll out, Jobs that failed, StatefulSets and DaemonSets
// short of ready pods. Their pods' own findings say why; the graph links them. CronJobs whose
// Jobs fail or that stop starting them, and HorizontalPodAutoscalers that cannot scale (events
// and conditions of pkg/controller/cronjob and pkg/controller/podautoscaler).
#include "report/detectors/workloads.h"

#include <algorithm>

#include <re2/re2.h>

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

namespace {

constexpr std::size_t kJobsInEvidence = 3;

std::string condition_line(const json& c) {
  return str(c, "type") + "=" + str(c, "status") + " " + str(c, "reason") + ": " +
         one_line(str(c, "message"));
}

bool condition_true(const json& obj, const std::string& type) {
  const json* c = condition(obj, type);
  return c != nullptr && str(*c, "status") == "True";
}

// The Jobs a CronJob owns, newest first.
std::vector<const json*> jobs_of(const ClusterCtx& ctx, const std::string& ns,
                                 const std::string& cronjob) {
  std::vector<const json*> out;
  for (const auto& j : ctx.c.items("jobs.batch")) {
    if (str(at_path(j, {"metadata"}), "namespace") != ns) continue;
    for (const auto& ref : at_path(j, {"metadata", "ownerReferences"}))
      if (str(ref, "kind") == "CronJob" && str(ref, "name") == cronjob) out.push_back(&j);
  }
  std::sort(out.begin(), out.end(), [](const json* a, const json* b) {
    return str(at_path(*a, {"metadata"}), "creationTimestamp") >
           str(at_path(*b, {"metadata"}), "creationTimestamp");
  });
  return out;
}

// How the newest finished Job ended, from the Jobs kept (history limits) or else from the
// controller's `Saw completed job: NAME, status: Failed` events. Empty when none finished.
std::string last_outcome(const ClusterCtx& ctx, const json& cj,
                         const std::vector<const json*>& jobs, std::string& job) {
  for (const json* j : jobs) {
    if (!condition_true(*j, "Failed") && !condition_true(*j, "Complete")) continue;
    job = str(at_path(*j, {"metadata"}), "name");
    return condition_true(*j, "Failed") ? "Failed" : "Complete";
  }
  static const RE2 saw(R"re(Saw completed job: (\S+), status: (\w+))re");
  std::string last_time, outcome;
  const auto& md = at_path(cj, {"metadata"});
  for (const json* ev : ctx.events_for("CronJob", str(md, "namespace"), str(md, "name"))) {
    std::string name, status;
    const std::string t = str(*ev, "lastTimestamp");
    if (RE2::PartialMatch(str(*ev, "message"), saw, &name, &status) && t >= last_time) {
      last_time = t;
      job = name;
      outcome = status;
    }
  }
  return outcome;
}

}  // namespace

void cronjob_failing(const ClusterCtx& ctx, Out& out) {
  for (const auto& cj : ctx.c.items("cronjobs.batch")) {
    const std::string ns = str(at_path(cj, {"metadata"}), "namespace");
    const auto jobs = jobs_of(ctx, ns, str(at_path(cj, {"metadata"}), "name"));
    std::string job;
    if (last_outcome(ctx, cj, jobs, job) != "Failed") continue;
    Candidate c = make_obj(ctx, cj, "CronJob", "cronjob-failing", Severity::error);
    std::size_t failed_in_row = 0;
    for (const json* j : jobs) {
      if (condition_true(*j, "Complete")) break;
      if (condition_true(*j, "Failed")) ++failed_in_row;
    }
    c.f.title = "CronJob " + c.f.object.name + ": " +
                (failed_in_row > 1 ? "its last " + std::to_string(failed_in_row) + " Jobs failed"
                                   : "its last Job " + job + " failed");
    c.f.evidence.push_back(
        "schedule \"" + str(at_path(cj, {"spec"}), "schedule") + "\", lastScheduleTime " +
        str(at_path(cj, {"status"}), "lastScheduleTime") + ", lastSuccessfulTime " +
        (str(at_path(cj, {"status"}), "lastSuccessfulTime").empty()
             ? std::string("never")
             : str(at_path(cj, {"status"}), "lastSuccessfulTime")));
    for (std::size_t i = 0; i < jobs.size() && i < kJobsInEvidence; ++i)
      if (const json* f = condition(*jobs[i], "Failed"); f && str(*f, "status") == "True")
        c.f.evidence.push_back("Job " + str(at_path(*jobs[i], {"metadata"}), "name") + " " +
                               condition_line(*f));
    add_event_evidence(ctx.events_for("CronJob", ns, c.f.object.name), c.f, {"SawCompletedJob"}, 3);
    c.f.depends_on.push_back(ObjectRef{ctx.c.name, ns, "Job", job});
    c.f.cause = "The Jobs it starts fail; the findings on Job " + job + " and its pods say why.";
    c.f.next_step = "kubectl logs job/" + job + " -n " + ns + "; kubectl describe cronjob " +
                    c.f.object.name + " -n " + ns + ".";
    out.push_back(std::move(c));
  }
}

namespace {

std::string cronjob_cause(const std::string& reason) {
  if (reason == "MissSchedule")
    return "The controller reached a scheduled time later than startingDeadlineSeconds allows "
           "(the controller was down or busy, or the deadline is shorter than its sync delay), "
           "so it skipped the run.";
  if (reason == "InvalidSchedule" || reason == "UnknownTimeZone")
    return "The controller cannot parse the schedule or timeZone, so it never starts a Job.";
  return "Too many start times were missed since the last run (the controller was down long, "
         "or clocks are skewed), so the controller gave up catching up.";
}

}  // namespace

void cronjob_not_scheduling(const ClusterCtx& ctx, Out& out) {
  for (const auto& cj : ctx.c.items("cronjobs.batch")) {
    // A suspended CronJob starts nothing on purpose.
    if (at_path(cj, {"spec", "suspend"}) == true) continue;
    const auto& md = at_path(cj, {"metadata"});
    const auto events = events_with(ctx, "CronJob", str(md, "namespace"), str(md, "name"),
                                    {"FailedNeedsStart", "TooManyMissedTimes", "MissSchedule",
                                     "InvalidSchedule", "UnknownTimeZone"});
    if (events.empty()) continue;
    const std::string reason = str(*events.back(), "reason");
    Candidate c = make_obj(ctx, cj, "CronJob", "cronjob-not-scheduling", Severity::error);
    c.f.title = "CronJob " + c.f.object.name + " does not start its Jobs (" + reason + ")";
    add_event_evidence(events, c.f, {}, 4);
    const json& spec = at_path(cj, {"spec"});
    c.f.evidence.push_back(
        "schedule \"" + str(spec, "schedule") + "\", startingDeadlineSeconds " +
        (spec.contains("startingDeadlineSeconds") ? spec["startingDeadlineSeconds"].dump()
                                                  : std::string("unset")) +
        ", concurrencyPolicy " + str(spec, "concurrencyPolicy") + ", lastScheduleTime " +
        str(at_path(cj, {"status"}), "lastScheduleTime"));
    c.f.cause = cronjob_cause(reason);
    c.f.next_step = "kubectl describe cronjob " + c.f.object.name + " -n " + c.f.object.ns +
                    "; check spec.schedule and startingDeadlineSeconds, and the "
                    "kube-controller-manager's log.";
    out.push_back(std::move(c));
  }
}

namespace {

// The aggregated metrics API a message names ("pods.metrics.k8s.io", "custom.metrics.k8s.io").
std::string metrics_group(const std::string& text) {
  static const RE2 re(R"re(\b((?:custom\.|external\.)?metrics\.k8s\.io)\b)re");
  std::string group;
  RE2::PartialMatch(text, re, &group);
  return group;
}

struct HpaProblem {
  std::string cause, step;
};

HpaProblem hpa_problem(const ClusterCtx& ctx, const std::string& text, const std::string& ns,
                       const std::string& name) {
  const std::string describe = "kubectl describe hpa " + name + " -n " + ns;
  if (contains_ci(text, "missing request for"))
    return {
        "The target's containers declare no request for the scaled resource, so its "
        "utilization cannot be computed.",
        "Set resources.requests on every container of the target; " + describe + "."};
  if (contains_ci(text, "FailedGetScale") || contains_ci(text, "not found"))
    return {
        "The HPA cannot read the scale of its target (the target does not exist, or its "
        "kind has no scale subresource).",
        describe + "; check spec.scaleTargetRef."};
  if (!metrics_group(text).empty() || contains_ci(text, "metrics API"))
    return {
        "The metrics API the HPA reads is not served: metrics-server (or the custom "
        "metrics adapter) is not installed or not available" +
            std::string(ctx.profile.platform == Platform::kind ? "; Kind does not install it."
                                                               : "."),
        "kubectl get apiservices | grep metrics; install metrics-server (on Kind with "
        "--kubelet-insecure-tls) or fix its pods."};
  return {"The HPA controller cannot compute a replica count (the message says why).",
          describe + "."};
}

}  // namespace

void hpa_failing(const ClusterCtx& ctx, Out& out) {
  for (const auto& hpa : ctx.c.items("horizontalpodautoscalers.autoscaling")) {
    const auto& md = at_path(hpa, {"metadata"});
    std::vector<std::string> failing;
    for (const char* type : {"AbleToScale", "ScalingActive"}) {
      const json* cond = condition(hpa, type);
      // ScalingDisabled: the target was scaled to zero on purpose.
      if (cond && str(*cond, "status") == "False" && str(*cond, "reason") != "ScalingDisabled")
        failing.push_back(condition_line(*cond));
    }
    const auto events =
        events_with(ctx, "HorizontalPodAutoscaler", str(md, "namespace"), str(md, "name"),
                    {"FailedGetResourceMetric", "FailedGetContainerResourceMetric",
                     "FailedGetPodsMetric", "FailedGetObjectMetric", "FailedGetExternalMetric",
                     "FailedComputeMetricsReplicas", "FailedGetScale", "FailedRescale"});
    if (failing.empty() && events.empty()) continue;
    Candidate c = make_obj(ctx, hpa, "HorizontalPodAutoscaler", "hpa-failing", Severity::error);
    const json& target = at_path(hpa, {"spec", "scaleTargetRef"});
    c.f.title = "HorizontalPodAutoscaler " + c.f.object.name + " cannot scale " +
                str(target, "kind") + " " + str(target, "name");
    c.f.evidence = failing;
    add_event_evidence(events, c.f, {}, 4);
    const std::string text = join(c.f.evidence, "\n");
    const HpaProblem p = hpa_problem(ctx, text, c.f.object.ns, c.f.object.name);
    c.f.cause = p.cause;
    c.f.next_step = p.step;
    // An unavailable metrics APIService explains the HPA (rbac.cpp's apiservice-unavailable).
    if (const std::string group = metrics_group(text); !group.empty())
      for (const auto& api : ctx.c.items("apiservices.apiregistration.k8s.io"))
        if (str(at_path(api, {"spec"}), "group") == group)
          c.f.depends_on.push_back(
              ObjectRef{ctx.c.name, "", "APIService", str(at_path(api, {"metadata"}), "name")});
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
