// Pods and their containers: crash loops, OOM kills, evictions, containers that cannot be
// created, failing probes and mounts, containers that never become Ready.
#include "report/detectors/pods.h"

#include <algorithm>
#include <map>

#include "report/detectors/common.h"
#include "report/detectors/rbac.h"
#include "report/signatures.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr std::size_t kLastLinesForCause = 3;

bool is_evicted(const json& pod) { return str(at_path(pod, {"status"}), "reason") == "Evicted"; }

// A process that gives up because it cannot reach a Service fails because of that Service: the
// last lines of its log name a connection error to it.
void link_last_error(const ClusterCtx& ctx, const PodView& pv, const LogInfo* log, Finding& f) {
  if (log == nullptr) return;
  const std::size_t n = log->tail.size();
  for (std::size_t i = n > kLastLinesForCause ? n - kLastLinesForCause : 0; i < n; ++i) {
    // An API refusal it exits on (forbidden, no such kind) is diagnosed on the same workload.
    if (const auto refusal = api_refusal_in(log->tail[i]))
      f.depends_on.push_back(ObjectRef{
          "", "", "Finding", refusal->detector + ":" + f.object.display() + "/" + refusal->detail});
    if (!is_network_error(log->tail[i])) continue;
    for (const ServiceRef* s : ctx.services_named_in(log->tail[i], pv.ns))
      f.depends_on.push_back(ObjectRef{ctx.c.name, s->ns, "Service", s->name});
  }
}

// A pod that reports itself unready while its logs show it cannot reach a Service is unready
// because of that Service.
void link_pod_dependencies(const ClusterCtx& ctx, const PodView& pv, Finding& f) {
  for (const auto& [path, log] : ctx.c.logs) {
    if (log.ns != pv.ns || log.pod != pv.name) continue;
    for (const auto& e : log.network)
      for (const ServiceRef* s : ctx.services_named_in(e.text, pv.ns)) {
        const ObjectRef ref{ctx.c.name, s->ns, "Service", s->name};
        if (std::find_if(f.depends_on.begin(), f.depends_on.end(), [&](const ObjectRef& o) {
              return o.display() == ref.display();
            }) == f.depends_on.end())
          f.depends_on.push_back(ref);
      }
  }
}

void crash_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv,
                     bool want_oom, Out& out) {
  const json& waiting = at_path(cv.status, {"state", "waiting"});
  const json& last = at_path(cv.status, {"lastState", "terminated"});
  const json& now_term = at_path(cv.status, {"state", "terminated"});
  const long restarts = cv.status.value("restartCount", 0L);
  // RunContainerError: the runtime created the container but cannot start its process (no such
  // executable, a bad mount): it fails like a crash loop, before the app ever runs.
  const bool cannot_start = str(waiting, "reason") == "RunContainerError";
  const bool crashloop = str(waiting, "reason") == "CrashLoopBackOff" || cannot_start;
  const json* term = nullptr;
  if (last.is_object()) term = &last;
  if (now_term.is_object() &&
      (now_term.value("exitCode", 0L) != 0 || str(now_term, "reason") == "OOMKilled"))
    term = &now_term;
  if (!crashloop && term == nullptr) return;
  if (!crashloop && restarts == 0 && term == &last) return;
  const long code = term ? term->value("exitCode", 0L) : 0;
  const std::string treason = term ? str(*term, "reason") : "";
  const bool oom = treason == "OOMKilled";
  if (oom != want_oom) return;
  if (!crashloop && !oom && code == 0 && term != &now_term) return;
  Candidate c =
      make(ctx, pv, oom ? "oom-killed" : "crash-loop",
           crashloop || oom || term == &now_term ? Severity::error : Severity::warning, cv.name);
  if (oom) {
    std::string limit = cv.spec ? str(at_path(*cv.spec, {"resources", "limits"}), "memory") : "";
    c.f.title = "Container " + cv.name + " was OOMKilled" +
                (limit.empty() ? "" : " (memory limit " + limit + ")");
    c.f.evidence.push_back("memory limit: " + (limit.empty() ? "none set" : limit));
    c.f.cause =
        "The container used more memory than its limit (or the node ran out of memory) "
        "and the kernel killed it.";
    c.f.next_step =
        "Raise resources.limits.memory or reduce the memory use; check the last log "
        "lines for what it was doing.";
  } else if (crashloop) {
    c.f.title = "Container " + cv.name +
                (cannot_start ? " cannot start (RunContainerError" : " is in CrashLoopBackOff (") +
                (cannot_start ? ", exit code " : "exit code ") + std::to_string(code) + ")";
    c.f.cause = (cannot_start ? "The runtime cannot start the process: " : "The process exits: ") +
                exit_code_meaning(code) + ".";
    c.f.next_step =
        code == 126 || code == 127
            ? "Fix the container's command/args or the image: the executable it names is not "
              "in the image, or cannot be run (see the termination message)."
            : "Read the previous instance's log below (kubectl logs --previous) and fix the "
              "startup error.";
  } else {
    c.f.title = "Container " + cv.name + " " +
                (term == &now_term ? "terminated" : "restarted " + std::to_string(restarts) + "x") +
                " with exit code " + std::to_string(code);
    c.f.cause = exit_code_meaning(code) + ".";
    c.f.next_step = "Read the container's last log lines.";
  }
  if (term) {
    c.f.evidence.push_back(
        "last terminated: reason " + (treason.empty() ? "?" : treason) + ", exit code " +
        std::to_string(code) + " (" + exit_code_meaning(code) + ")" +
        (str(*term, "finishedAt").empty() ? "" : ", at " + str(*term, "finishedAt")));
    if (!str(*term, "message").empty())
      c.f.evidence.push_back("termination message: " + one_line(str(*term, "message")));
  }
  c.f.evidence.push_back("restarts: " + std::to_string(restarts));
  if (crashloop && !str(waiting, "message").empty())
    c.f.evidence.push_back(one_line(str(waiting, "message")));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"BackOff"}, 2);
  const LogInfo* log = ctx.log_for(pv.ns, pv.name, cv.name, true);
  if (log == nullptr) log = ctx.log_for(pv.ns, pv.name, cv.name, false);
  add_log_tail(log, c.f);
  if (!oom) link_last_error(ctx, pv, log, c.f);
  out.push_back(std::move(c));
}

// The kubelet evicts pods under node pressure: phase Failed, reason Evicted, and a message that
// names the resource ("The node was low on resource: ephemeral-storage. ..."). The containers'
// exit code 137 is the eviction's kill, not an OOM.
void evicted_pod(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  if (!is_evicted(pv.pod)) return;
  const std::string msg = str(at_path(pv.pod, {"status"}), "message");
  std::string resource;
  const std::string marker = "low on resource: ";
  if (const auto at = msg.find(marker); at != std::string::npos) {
    resource = msg.substr(at + marker.size());
    resource = resource.substr(0, resource.find_first_of(". "));
  }
  Candidate c = make(ctx, pv, "evicted", Severity::error, "");
  c.f.title = "Pod " + pv.name + " was evicted" +
              (resource.empty() ? "" : ": the node was low on " + resource);
  c.f.evidence.push_back("status.reason Evicted: " + one_line(msg));
  if (!pv.node.empty()) c.f.evidence.push_back("node: " + pv.node);
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"Evicted"}, 2);
  c.f.cause = "The kubelet evicted the pod to reclaim " +
              (resource.empty() ? "a resource the node ran short of" : resource) +
              "; its containers were killed by the eviction, not by their own failure.";
  c.f.next_step =
      resource == "ephemeral-storage"
          ? "Either " + free_space_step(ctx.profile, pv.node) +
                ", or set ephemeral-storage requests/limits and write less to the container "
                "filesystem."
          : "Find what used the " + (resource.empty() ? std::string("resource") : resource) +
                " on node " + (pv.node.empty() ? "(its node)" : pv.node) +
                " and set requests so the scheduler accounts for it.";
  if (!pv.node.empty()) c.f.depends_on.push_back(ObjectRef{ctx.c.name, "", "Node", pv.node});
  out.push_back(std::move(c));
}

void config_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv, Out& out) {
  const json& waiting = at_path(cv.status, {"state", "waiting"});
  const std::string reason = str(waiting, "reason");
  if (reason != "CreateContainerConfigError" && reason != "CreateContainerError") return;
  const std::string msg = str(waiting, "message");
  const std::string ref = missing_reference(msg);
  Candidate c = make(ctx, pv, "container-config", Severity::error, cv.name);
  c.f.title =
      "Container " + cv.name + " cannot be created: " + (ref.empty() ? reason : "missing " + ref);
  c.f.evidence.push_back("container " + cv.name + " waiting: " + reason + ": " + one_line(msg));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"Failed"}, 2);
  c.f.cause = ref.empty() ? "The runtime could not create the container."
                          : "The pod references " + ref + ", which does not exist.";
  c.f.next_step = ref.empty() ? "Read the message above."
                              : "Create the " + ref + " (in namespace " + pv.ns +
                                    ") before the pod, or fix the reference.";
  out.push_back(std::move(c));
}

void not_ready_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv,
                         Out& out) {
  if (str(at_path(pv.pod, {"status"}), "phase") != "Running") return;
  if (cv.status.value("ready", true) || !at_path(cv.status, {"state", "running"}).is_object())
    return;
  Candidate c = make(ctx, pv, "not-ready", Severity::warning, cv.name);
  c.f.title = "Container " + cv.name + " is running but never became Ready";
  c.f.evidence.push_back("started at " +
                         str(at_path(cv.status, {"state", "running"}), "startedAt"));
  if (cv.spec && cv.spec->contains("readinessProbe"))
    c.f.evidence.push_back("readinessProbe: " + probe_text((*cv.spec)["readinessProbe"]));
  add_log_tail(ctx.log_for(pv.ns, pv.name, cv.name, false), c.f);
  c.f.cause = "The readiness check has not passed.";
  c.f.next_step = "Check the readiness probe and the container log.";
  out.push_back(std::move(c));
}

}  // namespace

void probe_failure(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  std::map<std::string, std::vector<const json*>> by_probe;  // "Readiness" -> events
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name)) {
    if (str(*ev, "reason") != "Unhealthy") continue;
    const std::string msg = str(*ev, "message");
    for (const char* kind : {"Readiness", "Liveness", "Startup"})
      if (starts_with(msg, kind)) by_probe[kind].push_back(ev);
  }
  for (const auto& [kind, events] : by_probe) {
    // The event names no container; take the containers that define this probe.
    std::string probe_field = to_lower(kind) + "Probe";
    std::vector<std::string> defs;
    std::string container;
    for (const auto& cs : at_path(pv.pod, {"spec", "containers"})) {
      if (!cs.contains(probe_field)) continue;
      if (container.empty()) container = str(cs, "name");
      defs.push_back(str(cs, "name") + " " + probe_field + ": " + probe_text(cs[probe_field]));
    }
    Candidate c = make(ctx, pv, "probe-failure",
                       kind == "Readiness" ? Severity::warning : Severity::error, to_lower(kind));
    long total = 0;
    for (const json* ev : events) total += event_count(*ev);
    c.f.title = kind + " probe failing" + (container.empty() ? "" : " for container " + container) +
                " (" + std::to_string(total) + "x)";
    add_event_evidence(events, c.f, {}, 3);
    for (const auto& d : defs) c.f.evidence.push_back(d);
    const std::string msg = str(*events.back(), "message");
    c.f.cause = contains_ci(msg, "connection refused")
                    ? "Nothing listens on the probed port yet (the app is not up, or it is "
                      "waiting on a dependency)."
                    : (contains_ci(msg, "statuscode") ? "The app answers the probe with an error."
                                                      : "The probe does not succeed in time.");
    c.f.next_step =
        "Compare the probe definition with the port/path the app serves, and read the "
        "container log for why it is not healthy.";
    if (kind == "Readiness") link_pod_dependencies(ctx, pv, c.f);
    out.push_back(std::move(c));
  }
}

void mount_failure(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  std::vector<const json*> events;
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    if (str(*ev, "reason") == "FailedMount") events.push_back(ev);
  if (events.empty()) return;
  std::string ref;
  for (const json* ev : events)
    if (ref.empty()) ref = missing_reference(str(*ev, "message"));
  Candidate c = make(ctx, pv, "mount-failure", Severity::error, "");
  c.f.title = "Volume mount fails" + (ref.empty() ? "" : ": missing " + ref);
  add_event_evidence(events, c.f, {}, 3);
  c.f.cause = ref.empty() ? "A volume could not be attached or mounted."
                          : "The pod mounts " + ref + ", which does not exist.";
  c.f.next_step = ref.empty() ? "Check the volume sources (PVC, hostPath) named above."
                              : "Create the " + ref + " in namespace " + pv.ns +
                                    " or mark the volume optional.";
  out.push_back(std::move(c));
}

void crash_loop(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  if (is_evicted(pv.pod)) return;
  for_each_container(pv.pod,
                     [&](const ContainerView& cv) { crash_container(ctx, pv, cv, false, out); });
}

void oom_killed(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  if (is_evicted(pv.pod)) return;
  for_each_container(pv.pod,
                     [&](const ContainerView& cv) { crash_container(ctx, pv, cv, true, out); });
}

void evicted(const ClusterCtx& ctx, const PodView& pv, Out& out) { evicted_pod(ctx, pv, out); }

void container_config(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  for_each_container(pv.pod, [&](const ContainerView& cv) { config_container(ctx, pv, cv, out); });
}

void not_ready(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  const json& statuses = at_path(pv.pod, {"status", "containerStatuses"});
  if (!statuses.is_array()) return;
  for (const auto& st : statuses)
    not_ready_container(
        ctx, pv, ContainerView{st, str(st, "name"), container_spec(pv.pod, str(st, "name"))}, out);
}

}  // namespace kmg::report::detect
