// Detectors: one function per failure pattern, each reading pods, workloads, events and logs of
// one cluster and emitting candidate findings that are then grouped across replicas and ranked.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <re2/re2.h>

#include "report/analysis.h"
#include "report/signatures.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kLogLinesInEvidence = 10;

bool contains_ci(std::string_view haystack, std::string_view needle) {
  return to_lower(haystack).find(to_lower(needle)) != std::string::npos;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string one_line(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return std::string(trim(out));
}

std::string times(long n) { return n > 1 ? " (x" + std::to_string(n) + ")" : ""; }

// --- Cluster context: indexes built once per cluster ---------------------------------------

struct Owner {
  std::string kind, name;
};

struct Ctx {
  const Model& m;
  const ClusterData& c;
  std::map<std::string, std::vector<const json*>> events_by_object;  // "Kind/ns/name"
  std::map<std::string, std::string> rs_to_deployment;               // "ns/rs" -> deployment
  std::map<std::string, const json*> pods;                           // "ns/name"

  Ctx(const Model& model, const ClusterData& cluster) : m(model), c(cluster) {
    for (const auto& ev : c.events) {
      const json& io = at_path(ev, {"involvedObject"});
      events_by_object[str(io, "kind") + "/" + str(io, "namespace") + "/" + str(io, "name")]
          .push_back(&ev);
    }
    for (const auto& rs : c.items("replicasets.apps")) {
      for (const auto& ref : at_path(rs, {"metadata", "ownerReferences"}).is_array()
                                 ? at_path(rs, {"metadata", "ownerReferences"})
                                 : json::array()) {
        if (str(ref, "kind") == "Deployment") rs_to_deployment[pod_key(rs)] = str(ref, "name");
      }
    }
    for (const auto& p : c.items("pods")) pods[pod_key(p)] = &p;
  }

  std::vector<const json*> events_for(const std::string& kind, const std::string& ns,
                                      const std::string& name) const {
    auto it = events_by_object.find(kind + "/" + ns + "/" + name);
    return it == events_by_object.end() ? std::vector<const json*>{} : it->second;
  }

  Owner owner_of(const json& pod) const {
    const json& refs = at_path(pod, {"metadata", "ownerReferences"});
    const std::string ns = str(at_path(pod, {"metadata"}), "namespace");
    if (refs.is_array()) {
      for (const auto& ref : refs) {
        if (!ref.value("controller", false) && refs.size() > 1) continue;
        const std::string kind = str(ref, "kind");
        const std::string name = str(ref, "name");
        if (kind == "ReplicaSet") {
          auto it = rs_to_deployment.find(ns + "/" + name);
          if (it != rs_to_deployment.end()) return {"Deployment", it->second};
          // Without the ReplicaSet list, "web-5d9f8c7b6d" still names Deployment "web".
          const auto dash = name.rfind('-');
          if (dash != std::string::npos && dash > 0) return {"Deployment", name.substr(0, dash)};
        }
        return {kind, name};
      }
    }
    return {"Pod", str(at_path(pod, {"metadata"}), "name")};
  }

  // The log kept for a container: the previous instance if asked and present.
  const LogInfo* log_for(const std::string& ns, const std::string& pod,
                         const std::string& container, bool previous) const {
    for (const auto& [path, log] : c.logs)
      if (log.ns == ns && log.pod == pod && log.container == container && log.previous == previous)
        return &log;
    return nullptr;
  }
};

// A finding before grouping: `group` says which candidates are the same cause.
struct Candidate {
  Finding f;
  std::string group;
};

struct PodView {
  const json& pod;
  std::string ns, name, node;
  Owner owner;
};

Candidate make(const Ctx& ctx, const PodView& pv, const std::string& detector, Severity sev,
               const std::string& detail) {
  Candidate c;
  c.f.detector = detector;
  c.f.severity = sev;
  c.f.object = ObjectRef{ctx.c.name, pv.ns, pv.owner.kind, pv.owner.name};
  c.f.id = detector + ":" + c.f.object.display() + (detail.empty() ? "" : "/" + detail);
  c.f.pods.push_back(pv.ns + "/" + pv.name);
  c.group = c.f.id;
  return c;
}

const json* container_spec(const json& pod, const std::string& name) {
  for (const char* list : {"containers", "initContainers"}) {
    const json& cs = at_path(pod, {"spec", list});
    if (!cs.is_array()) continue;
    for (const auto& c : cs)
      if (str(c, "name") == name) return &c;
  }
  return nullptr;
}

// --- Images -----------------------------------------------------------------------------------

bool has_registry(std::string_view image) {
  const auto slash = image.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view first = image.substr(0, slash);
  return first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
         first == "localhost";
}

std::string image_tag(std::string_view image) {
  const auto at = image.find('@');
  if (at != std::string_view::npos) image = image.substr(0, at);
  const auto colon = image.rfind(':');
  const auto slash = image.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return "latest";
  return std::string(image.substr(colon + 1));
}

// An image that only exists where someone built it: a registry cannot serve it.
bool local_only_image(std::string_view image) {
  if (starts_with(image, "localhost/") || starts_with(image, "kind.local/")) return true;
  if (has_registry(image)) return false;
  const std::string tag = image_tag(image);
  return tag == "dev" || tag == "e2e" || tag == "local" || tag == "test" || tag == "ci";
}

std::vector<std::string> image_aliases(const std::string& image) {
  std::vector<std::string> out{image};
  std::string full = image;
  if (image_tag(image) == "latest" && image.find(':', image.rfind('/') + 1) == std::string::npos &&
      image.find('@') == std::string::npos)
    full += ":latest";
  out.push_back(full);
  if (!has_registry(image)) {
    if (image.find('/') == std::string::npos) out.push_back("docker.io/library/" + full);
    out.push_back("docker.io/" + full);
  }
  if (starts_with(image, "localhost/")) out.push_back(full.substr(10));
  return out;
}

bool image_on_node(const Ctx& ctx, const std::string& node, const std::string& image) {
  const auto aliases = image_aliases(image);
  for (const auto& n : ctx.c.items("nodes")) {
    if (!node.empty() && str(at_path(n, {"metadata"}), "name") != node) continue;
    const json& images = at_path(n, {"status", "images"});
    if (!images.is_array()) continue;
    for (const auto& img : images)
      for (const auto& name : img.value("names", json::array()))
        if (name.is_string() &&
            std::find(aliases.begin(), aliases.end(), name.get<std::string>()) != aliases.end())
          return true;
  }
  return false;
}

struct PullClass {
  std::string label, cause, next;
};

PullClass classify_pull(const std::string& text, const std::string& image) {
  const std::string t = to_lower(text);
  auto has = [&](std::string_view s) { return t.find(s) != std::string::npos; };
  if (has("429") || has("toomanyrequests") || has("rate limit"))
    return {"rate limited", "The registry refused the pull: pull rate limit reached (429).",
            "Authenticate to the registry, use a mirror, or pre-load the image: kind load "
            "docker-image " +
                image};
  if (has("unauthorized") || has("authorization failed") || has("pull access denied") ||
      has("403 forbidden") || has("denied"))
    return {"unauthorized",
            "The registry denied access: the image is private or does not exist under that name.",
            "Check the image name, and add an imagePullSecret if the repository is private."};
  if (has("not found") || has("manifest unknown") || has("name unknown"))
    return {"not found", "The registry has no image with this name and tag.",
            "Check the image name and tag, and that the image was pushed."};
  // Before the network class: "Get https://reg/v2/: x509: certificate ..." also names the dial.
  if (has("x509") || has("certificate signed by unknown authority") ||
      has("certificate is not valid"))
    return {"TLS certificate",
            "The registry's TLS certificate is not trusted by the node or not valid for that "
            "name (x509).",
            "Check the registry name in the image; for a private registry, make the Kind "
            "node's containerd trust its CA, or pre-load the image: kind load docker-image " +
                image};
  if (has("no such host") || has("i/o timeout") || has("connection refused") || has("dial tcp") ||
      has("network is unreachable") || has("tls handshake"))
    return {"DNS/network", "The node could not reach the registry (DNS, network or TLS).",
            "Check the node's DNS and proxy settings, or pre-load the image with kind load."};
  return {"unknown", "The image could not be pulled.", "Read the pull error in the events."};
}

// --- Per-container detectors ----------------------------------------------------------------

void add_event_evidence(const std::vector<const json*>& events, Finding& f,
                        const std::vector<std::string>& reasons, std::size_t cap = 5) {
  std::size_t n = 0;
  for (const json* ev : events) {
    const std::string reason = str(*ev, "reason");
    if (!reasons.empty() && std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
      continue;
    if (n++ == cap) break;
    f.evidence.push_back("event " + str(*ev, "type") + " " + reason + ": " +
                         one_line(str(*ev, "message")) + times(event_count(*ev)));
  }
}

void add_log_tail(const LogInfo* log, Finding& f) {
  if (log == nullptr || log->tail.empty()) return;
  f.evidence.push_back(std::string("last lines of ") + (log->previous ? "the previous" : "the") +
                       " log (" + log->path +
                       (log->truncated ? ", truncated by the collector" : "") + "):");
  const std::size_t skip =
      log->tail.size() > kLogLinesInEvidence ? log->tail.size() - kLogLinesInEvidence : 0;
  for (std::size_t i = skip; i < log->tail.size(); ++i) f.evidence.push_back("  " + log->tail[i]);
}

std::string probe_text(const json& probe) {
  std::string how;
  if (probe.contains("httpGet")) {
    const json& h = probe["httpGet"];
    how = "httpGet " + str(h, "scheme") + (str(h, "scheme").empty() ? "" : " ") +
          (h.contains("port")
               ? ":" + (h["port"].is_string() ? h["port"].get<std::string>() : h["port"].dump())
               : "") +
          str(h, "path");
  } else if (probe.contains("tcpSocket")) {
    const json& p = at_path(probe, {"tcpSocket", "port"});
    how = "tcpSocket :" + (p.is_string() ? p.get<std::string>() : p.dump());
  } else if (probe.contains("exec")) {
    std::vector<std::string> cmd;
    for (const auto& a : at_path(probe, {"exec", "command"}))
      if (a.is_string()) cmd.push_back(a.get<std::string>());
    how = "exec [" + join(cmd, " ") + "]";
  } else if (probe.contains("grpc")) {
    how = "grpc :" + at_path(probe, {"grpc", "port"}).dump();
  }
  auto num = [&](const char* k, long def) {
    return probe.contains(k) && probe[k].is_number() ? probe[k].get<long>() : def;
  };
  return how + " delay=" + std::to_string(num("initialDelaySeconds", 0)) +
         "s timeout=" + std::to_string(num("timeoutSeconds", 1)) +
         "s period=" + std::to_string(num("periodSeconds", 10)) +
         "s failureThreshold=" + std::to_string(num("failureThreshold", 3));
}

const RE2& missing_object_re() {
  static const RE2 re(R"re((?i)(configmap|secret)s? "([^"]+)" not found)re");
  return re;
}
const RE2& missing_key_re() {
  static const RE2 re(R"re(couldn't find key (\S+) in (Secret|ConfigMap) (\S+))re");
  return re;
}

// "configmap app-config", "key password in Secret default/db", or empty.
std::string missing_reference(const std::string& text) {
  std::string kind, name, key, where;
  if (RE2::PartialMatch(text, missing_key_re(), &key, &kind, &where))
    return "key " + key + " in " + kind + " " + where;
  if (RE2::PartialMatch(text, missing_object_re(), &kind, &name))
    return to_lower(kind) + " " + name;
  return {};
}

struct ContainerView {
  const json& status;
  std::string name;
  const json* spec;
};

void detect_image(const Ctx& ctx, const PodView& pv, const ContainerView& cv,
                  std::vector<Candidate>& out) {
  const std::string reason = str(at_path(cv.status, {"state", "waiting"}), "reason");
  const std::string message = str(at_path(cv.status, {"state", "waiting"}), "message");
  if (reason != "ErrImageNeverPull" && reason != "ErrImagePull" && reason != "ImagePullBackOff")
    return;
  std::string image = cv.spec ? str(*cv.spec, "image") : str(cv.status, "image");
  if (image.empty()) image = str(cv.status, "image");
  const std::string policy = cv.spec ? str(*cv.spec, "imagePullPolicy") : "";
  const auto events = ctx.events_for("Pod", pv.ns, pv.name);
  std::string pull_error;
  for (const json* ev : events) {
    const std::string msg = str(*ev, "message");
    if (starts_with(msg, "Failed to pull image")) pull_error = msg;
  }
  if (pull_error.empty()) pull_error = message;
  const bool not_loaded =
      reason == "ErrImageNeverPull" ||
      (local_only_image(image) &&
       (policy == "Never" || policy == "IfNotPresent" || image_tag(image) != "latest") &&
       !image_on_node(ctx, pv.node, image));
  const std::string kind_name = ctx.c.name.empty() ? "<cluster>" : ctx.c.name;
  if (not_loaded) {
    Candidate c = make(ctx, pv, "image-not-loaded", Severity::critical, cv.name);
    c.f.title = "Image " + image + " is not loaded into the Kind node";
    c.f.evidence.push_back("container " + cv.name + " waiting: " + reason +
                           (message.empty() ? "" : ": " + one_line(message)));
    c.f.evidence.push_back("imagePullPolicy: " + (policy.empty() ? "(default)" : policy));
    c.f.evidence.push_back("image " + image + " is not in status.images of node " +
                           (pv.node.empty() ? "(unscheduled)" : pv.node));
    add_event_evidence(events, c.f, {"ErrImageNeverPull", "Failed"}, 3);
    c.f.cause =
        "The image exists only on the build machine and was not loaded into the Kind "
        "node; with this pull policy the kubelet will not (or cannot) pull it.";
    c.f.next_step = "kind load docker-image " + image + " --name " + kind_name;
    out.push_back(std::move(c));
    return;
  }
  const PullClass pc = classify_pull(pull_error, image);
  Candidate c = make(ctx, pv, "image-pull", Severity::error, cv.name);
  c.f.title = "Cannot pull image " + image + " (" + pc.label + ")";
  c.f.evidence.push_back("container " + cv.name + " waiting: " + reason);
  if (!pull_error.empty()) c.f.evidence.push_back(one_line(pull_error));
  add_event_evidence(events, c.f, {"Failed", "BackOff"}, 4);
  c.f.cause = pc.cause;
  c.f.next_step = pc.next;
  out.push_back(std::move(c));
}

void detect_crash(const Ctx& ctx, const PodView& pv, const ContainerView& cv,
                  std::vector<Candidate>& out) {
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
  out.push_back(std::move(c));
}

void detect_config(const Ctx& ctx, const PodView& pv, const ContainerView& cv,
                   std::vector<Candidate>& out) {
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

void detect_probes(const Ctx& ctx, const PodView& pv, std::vector<Candidate>& out) {
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
    out.push_back(std::move(c));
  }
}

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

std::string scheduling_cause(const std::string& msg) {
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
  if (contains_ci(msg, "node affinity") || contains_ci(msg, "node selector"))
    causes.push_back("node affinity/selector matching no node");
  if (causes.empty()) return "The scheduler found no node that fits.";
  return "No node fits: " + join(causes, ", ") + ".";
}

std::string scheduling_next(const std::string& msg) {
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

std::string scheduling_message(const Ctx& ctx, const PodView& pv) {
  std::string msg;
  for (const auto& cond : at_path(pv.pod, {"status", "conditions"}))
    if (str(cond, "type") == "PodScheduled" && str(cond, "status") == "False")
      msg = str(cond, "message");
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    if (str(*ev, "reason") == "FailedScheduling") msg = str(*ev, "message");
  return msg;
}

bool unschedulable(const json& pod) {
  for (const auto& cond : at_path(pod, {"status", "conditions"}))
    if (str(cond, "type") == "PodScheduled" && str(cond, "status") == "False") return true;
  return false;
}

void detect_scheduling(const Ctx& ctx, const PodView& pv, std::vector<Candidate>& out) {
  bool failed_event = false;
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    if (str(*ev, "reason") == "FailedScheduling") failed_event = true;
  if (str(at_path(pv.pod, {"status"}), "phase") != "Pending" ||
      (!unschedulable(pv.pod) && !failed_event) || !pv.node.empty())
    return;
  const std::string msg = scheduling_message(ctx, pv);
  Candidate c = make(ctx, pv, "unschedulable", Severity::error, "");
  c.f.title =
      (pv.owner.kind == "Pod" ? "Pod " + pv.name
                              : pv.name + " (" + pv.owner.kind + " " + pv.owner.name + ")") +
      " cannot be scheduled: " + scheduling_cause(msg);
  if (!msg.empty()) c.f.evidence.push_back("FailedScheduling: " + one_line(msg));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"FailedScheduling"}, 2);
  c.f.cause = scheduling_cause(msg);
  c.f.next_step = scheduling_next(msg);
  out.push_back(std::move(c));
}

void detect_mount(const Ctx& ctx, const PodView& pv, std::vector<Candidate>& out) {
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

void detect_not_ready(const Ctx& ctx, const PodView& pv, const ContainerView& cv,
                      std::vector<Candidate>& out) {
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

// --- Dependencies: a log or probe naming a Service whose pods are unhealthy -------------------

bool selector_matches(const json& selector, const json& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [k, v] : selector.items())
    if (!labels.is_object() || !labels.contains(k) || labels[k] != v) return false;
  return true;
}

std::string pod_state(const Ctx& ctx, const json& pod) {
  const std::string name = str(at_path(pod, {"metadata"}), "name");
  const std::string phase = str(at_path(pod, {"status"}), "phase");
  if (phase == "Pending" && unschedulable(pod)) {
    PodView pv{pod, str(at_path(pod, {"metadata"}), "namespace"), name, "", {}};
    return name + " is Pending: FailedScheduling: " + one_line(scheduling_message(ctx, pv));
  }
  for (const auto& cs : at_path(pod, {"status", "containerStatuses"})) {
    const std::string w = str(at_path(cs, {"state", "waiting"}), "reason");
    if (!w.empty()) return name + " is " + phase + ": container " + str(cs, "name") + " " + w;
    if (!cs.value("ready", false))
      return name + " is " + phase + ": container " + str(cs, "name") + " not ready";
  }
  return name + " is " + phase + (phase == "Running" ? " and ready" : "");
}

bool pod_ready(const json& pod) {
  for (const auto& cond : at_path(pod, {"status", "conditions"}))
    if (str(cond, "type") == "Ready") return str(cond, "status") == "True";
  return false;
}

struct ServiceRef {
  const json* svc;
  std::string ns, name;
  std::vector<std::string> names;  // host forms that refer to it
};

std::vector<ServiceRef> service_refs(const Ctx& ctx) {
  std::vector<ServiceRef> out;
  for (const auto& s : ctx.c.items("services")) {
    ServiceRef r{
        &s, str(at_path(s, {"metadata"}), "namespace"), str(at_path(s, {"metadata"}), "name"), {}};
    if (r.name.empty() || r.name == "kubernetes") continue;
    r.names = {r.name, r.name + "." + r.ns, r.name + "." + r.ns + ".svc",
               r.name + "." + r.ns + ".svc.cluster.local"};
    const std::string ip = str(at_path(s, {"spec"}), "clusterIP");
    if (!ip.empty() && ip != "None") r.names.push_back(ip);
    out.push_back(std::move(r));
  }
  return out;
}

// Host-like tokens of a line ("postgres:5432" -> "postgres").
std::set<std::string> host_tokens(const std::string& text) {
  std::set<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) {
      std::string t = cur;
      while (!t.empty() && (t.back() == '.' || t.back() == ':')) t.pop_back();
      const auto colon = t.rfind(':');
      if (colon != std::string::npos &&
          t.find_first_not_of("0123456789", colon + 1) == std::string::npos)
        t = t.substr(0, colon);
      if (!t.empty()) out.insert(t);
    }
    cur.clear();
  };
  for (char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
        ch == '_')
      cur += ch;
    else
      flush();
  }
  flush();
  return out;
}

std::string network_phrase(const std::string& text) {
  for (const char* p :
       {"connection refused", "no such host", "i/o timeout", "context deadline exceeded",
        "connection reset by peer", "network is unreachable", "no route to host"})
    if (contains_ci(text, p)) return p;
  return "connection error";
}

// "lookup nats.ns.svc on ...: no such host" where no Service nats exists in ns: the client
// depends on something that was never deployed (or has another name).
void detect_missing_services(const Ctx& ctx, const PodView& pv, const std::vector<ServiceRef>& svcs,
                             const std::vector<std::pair<std::string, std::string>>& lines,
                             std::vector<Candidate>& out) {
  static const RE2 lookup(R"(lookup ([A-Za-z0-9.-]+)(?: on [^:]+:53)?: no such host)");
  std::map<std::string, std::vector<std::string>> missing;  // "ns/name" -> lines
  for (const auto& [text, where] : lines) {
    std::string host;
    if (!RE2::PartialMatch(text, lookup, &host)) continue;
    std::vector<std::string> labels = split(host, '.');
    std::string name = labels[0], ns = pv.ns;
    const bool svc_form = host.find(".svc") != std::string::npos;
    if (labels.size() >= 2) ns = labels[1];
    if (!svc_form && labels.size() != 1) continue;  // an external name, not a Service
    bool exists = false;
    for (const auto& sv : svcs) exists = exists || (sv.name == name && sv.ns == ns);
    if (!exists) missing[ns + "/" + name].push_back(one_line(text) + " [" + where + "]");
  }
  for (const auto& [key, found] : missing) {
    const std::string name = key.substr(key.find('/') + 1);
    Candidate c = make(ctx, pv, "missing-service", Severity::warning,
                       "service-" + key.substr(0, key.find('/')) + "-" + name);
    c.f.title = pv.owner.name + " looks up Service " + name + ", which does not exist";
    for (std::size_t i = 0; i < found.size() && i < 3; ++i) c.f.evidence.push_back(found[i]);
    c.f.evidence.push_back("no Service " + key + " in the cluster");
    c.f.cause = "The name does not resolve: the Service " + key +
                " was not deployed (or is named differently).";
    c.f.next_step = "Deploy " + name + " in namespace " + key.substr(0, key.find('/')) +
                    ", or fix the address in the workload's configuration.";
    out.push_back(std::move(c));
  }
}

void detect_dependencies(const Ctx& ctx, const PodView& pv, const std::vector<ServiceRef>& svcs,
                         std::vector<Candidate>& out) {
  // Lines that name a failed connection: the pod's logs, then its Unhealthy/Failed events.
  std::vector<std::pair<std::string, std::string>> lines;  // text, where
  for (const auto& [path, log] : ctx.c.logs)
    if (log.ns == pv.ns && log.pod == pv.name)
      for (const auto& e : log.network) lines.emplace_back(e.text, path);
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name)) {
    const std::string msg = str(*ev, "message");
    if (is_network_error(msg)) lines.emplace_back(msg, "event " + str(*ev, "reason"));
  }
  std::map<std::string, std::pair<const ServiceRef*, std::vector<std::string>>> hits;
  for (const auto& [text, where] : lines) {
    // "lookup nats.ns.svc on 10.96.0.10:53: no such host" names the DNS server too; it is not
    // the dependency.
    std::string cleaned = text;
    static const RE2 dns_server(R"( on [0-9a-fA-F.:\[\]]+:53\b)");
    RE2::GlobalReplace(&cleaned, dns_server, "");
    const auto tokens = host_tokens(cleaned);
    for (const auto& s : svcs) {
      // A bare name only refers to a Service in the pod's own namespace.
      bool hit = false;
      for (std::size_t i = 0; i < s.names.size() && !hit; ++i)
        hit = tokens.count(s.names[i]) > 0 && (i > 0 || s.ns == pv.ns);
      if (!hit) continue;
      auto& h = hits[s.ns + "/" + s.name];
      h.first = &s;
      const std::string line = one_line(text) + " [" + where + "]";
      if (std::find(h.second.begin(), h.second.end(), line) == h.second.end())
        h.second.push_back(line);
    }
  }
  detect_missing_services(ctx, pv, svcs, lines, out);
  for (const auto& [key, hit] : hits) {
    const ServiceRef& s = *hit.first;
    std::vector<std::string> states;
    bool all_ready = true;
    for (const auto& [pk, p] : ctx.pods) {
      if (str(at_path(*p, {"metadata"}), "namespace") != s.ns ||
          !selector_matches(at_path(*s.svc, {"spec", "selector"}),
                            at_path(*p, {"metadata", "labels"})))
        continue;
      states.push_back(pod_state(ctx, *p));
      all_ready = all_ready && pod_ready(*p);
    }
    const std::string phrase = network_phrase(hit.second.front());
    Candidate c = make(ctx, pv, "dependency",
                       all_ready && !states.empty() ? Severity::warning : Severity::error,
                       "service-" + s.ns + "-" + s.name);
    c.f.title = pv.owner.name + " cannot reach Service " + s.name + " (" + phrase + ")";
    const std::size_t n = hit.second.size();
    for (std::size_t i = 0; i < std::min<std::size_t>(n, 3); ++i)
      c.f.evidence.push_back(hit.second[n - 1 - i]);
    if (n > 3) c.f.evidence.push_back("(" + std::to_string(n) + " such lines)");
    if (states.empty()) {
      c.f.evidence.push_back("Service " + s.name + ": no pod matches its selector");
      c.f.cause = "Service " + s.name + " has no pods behind it.";
    } else {
      for (const auto& st : states) c.f.evidence.push_back("behind Service " + s.name + ": " + st);
      std::string first = states.front();
      while (!first.empty() && first.back() == '.') first.pop_back();
      c.f.cause = all_ready ? "The pods behind Service " + s.name +
                                  " are ready; the port or a network policy may be wrong."
                            : "Service " + s.name + " is not ready: " + first +
                                  ". This workload fails because its dependency is down.";
    }
    c.f.next_step = all_ready ? "Check the Service's port/targetPort against the container port."
                              : "Fix " + s.name +
                                    " first (see its own finding); this one should "
                                    "recover once it is ready.";
    out.push_back(std::move(c));
  }
}

void detect_pod(const Ctx& ctx, const json& pod, const std::vector<ServiceRef>& svcs,
                std::vector<Candidate>& out) {
  PodView pv{pod, str(at_path(pod, {"metadata"}), "namespace"),
             str(at_path(pod, {"metadata"}), "name"), str(at_path(pod, {"spec"}), "nodeName"),
             ctx.owner_of(pod)};
  const std::size_t before = out.size();
  detect_scheduling(ctx, pv, out);
  detect_mount(ctx, pv, out);
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const json& statuses = at_path(pod, {"status", list});
    if (!statuses.is_array()) continue;
    for (const auto& st : statuses) {
      ContainerView cv{st, str(st, "name"), container_spec(pod, str(st, "name"))};
      detect_image(ctx, pv, cv, out);
      detect_crash(ctx, pv, cv, out);
      detect_config(ctx, pv, cv, out);
    }
  }
  detect_probes(ctx, pv, out);
  detect_dependencies(ctx, pv, svcs, out);
  if (out.size() != before) return;
  // Only when nothing else explains it: a container that runs but is not Ready.
  const json& statuses = at_path(pod, {"status", "containerStatuses"});
  if (statuses.is_array())
    for (const auto& st : statuses)
      detect_not_ready(
          ctx, pv, ContainerView{st, str(st, "name"), container_spec(pod, str(st, "name"))}, out);
}

// --- Workloads, nodes, clusters, custom resources ---------------------------------------------

Candidate make_obj(const Ctx& ctx, const json& obj, const std::string& kind,
                   const std::string& detector, Severity sev) {
  Candidate c;
  c.f.detector = detector;
  c.f.severity = sev;
  c.f.object = ObjectRef{ctx.c.name, str(at_path(obj, {"metadata"}), "namespace"), kind,
                         str(at_path(obj, {"metadata"}), "name")};
  c.f.id = detector + ":" + c.f.object.display();
  c.group = c.f.id;
  return c;
}

const json* condition(const json& obj, const std::string& type) {
  const json& conds = at_path(obj, {"status", "conditions"});
  if (!conds.is_array()) return nullptr;
  for (const auto& c : conds)
    if (str(c, "type") == type) return &c;
  return nullptr;
}

long num(const json& obj, std::initializer_list<const char*> path, long def = 0) {
  const json& v = at_path(obj, path);
  return v.is_number() ? v.get<long>() : def;
}

void detect_deployments(const Ctx& ctx, std::vector<Candidate>& out) {
  for (const auto& d : ctx.c.items("deployments.apps")) {
    const json* prog = condition(d, "Progressing");
    const long want = num(d, {"spec", "replicas"}, 1);
    const long avail = num(d, {"status", "availableReplicas"});
    const long unavail = num(d, {"status", "unavailableReplicas"});
    const bool deadline = prog && str(*prog, "status") == "False" &&
                          str(*prog, "reason") == "ProgressDeadlineExceeded";
    if (!deadline && unavail == 0 && avail >= want) continue;
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

void detect_jobs(const Ctx& ctx, std::vector<Candidate>& out) {
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

void detect_sets(const Ctx& ctx, std::vector<Candidate>& out) {
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

void detect_nodes(const Ctx& ctx, std::vector<Candidate>& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    const json* ready = condition(n, "Ready");
    if (ready && str(*ready, "status") != "True") {
      Candidate c = make_obj(ctx, n, "Node", "node-not-ready", Severity::critical);
      c.f.title = "Node " + c.f.object.name + " is NotReady";
      c.f.evidence.push_back("Ready=" + str(*ready, "status") + " " + str(*ready, "reason") + ": " +
                             one_line(str(*ready, "message")));
      c.f.cause =
          "The kubelet on the node is not reporting healthy (often the CNI is not up, or "
          "the node container is stopped).";
      c.f.next_step = "Read the node's kubelet.log and containerd.log in node-logs/.";
      out.push_back(std::move(c));
    }
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
      c.f.next_step = "Free disk/memory on the host running Kind (docker system df).";
      out.push_back(std::move(c));
    }
  }
}

void detect_custom_resources(const Ctx& ctx, std::vector<Candidate>& out) {
  for (const auto& [key, items] : ctx.c.lists) {
    if (is_builtin_list(key)) continue;
    for (const auto& obj : items) {
      std::vector<std::string> bad;
      const json& conds = at_path(obj, {"status", "conditions"});
      if (conds.is_array()) {
        for (const auto& cond : conds) {
          const std::string type = str(cond, "type");
          const std::string status = str(cond, "status");
          const bool positive = type == "Ready" || type == "Available" || type == "Healthy" ||
                                type == "Synced" || type == "Succeeded";
          const bool negative =
              type == "Failed" || type == "Degraded" || type == "Stalled" || type == "Error";
          if ((positive && status == "False") || (negative && status == "True"))
            bad.push_back(type + "=" + status + " " + str(cond, "reason") + ": " +
                          one_line(str(cond, "message")));
        }
      }
      const std::string phase = str(at_path(obj, {"status"}), "phase");
      if (phase == "Failed" || phase == "Error" || phase == "Degraded")
        bad.push_back("status.phase=" + phase);
      if (bad.empty()) continue;
      std::string kind = str(obj, "kind");
      if (kind.empty()) kind = key;
      Candidate c = make_obj(ctx, obj, kind, "custom-resource", Severity::error);
      c.f.title = kind + " " + c.f.object.name + " is not healthy (" +
                  bad.front().substr(0, bad.front().find(':')) + ")";
      c.f.evidence = bad;
      if (!str(obj, "apiVersion").empty())
        c.f.evidence.push_back("apiVersion: " + str(obj, "apiVersion"));
      c.f.cause = "Its controller reports it as not ready or failed.";
      c.f.next_step = "Read the condition message above and the controller's log.";
      out.push_back(std::move(c));
    }
  }
}

void detect_cluster(const Model& m, const ClusterData& c, std::vector<Candidate>& out) {
  const json& reachable = at_path(c.info, {"reachable"});
  if (!reachable.is_boolean() || reachable.get<bool>()) return;
  Candidate cand;
  cand.f.detector = "api-unreachable";
  cand.f.severity = Severity::critical;
  cand.f.object = ObjectRef{c.name, "", "Cluster", c.name};
  cand.f.id = "api-unreachable:" + c.name;
  cand.group = cand.f.id;
  cand.f.title = "API server of cluster " + c.name + " is unreachable";
  cand.f.evidence.push_back("api_endpoint: " + str(c.info, "api_endpoint"));
  const std::string kubeconfig = str(c.info, "kubeconfig_source");
  if (!kubeconfig.empty()) cand.f.evidence.push_back("kubeconfig: " + kubeconfig);
  const std::string reason = str(c.info, "unreachable_reason");
  if (!reason.empty()) cand.f.evidence.push_back("error: " + reason);
  for (const auto& p : at_path(c.info, {"problems"}))
    if (p.is_string()) cand.f.evidence.push_back(p.get<std::string>());
  for (const auto& n : at_path(c.info, {"nodes"}))
    cand.f.evidence.push_back("node " + str(n, "name") + " (" + str(n, "role") +
                              "): " + str(n, "state"));
  const bool credentials = reason.find("private key") != std::string::npos ||
                           reason.find("certificate") != std::string::npos ||
                           reason.find("SSL") != std::string::npos;
  if (credentials) {
    cand.f.cause =
        "The TLS connection failed on the kubeconfig's credentials: the client certificate and "
        "key do not belong together, or the CA does not match the server.";
    cand.f.next_step = "kubectl --kubeconfig " + (kubeconfig.empty() ? "FILE" : kubeconfig) +
                       " get --raw /version; compare client-certificate-data with "
                       "client-key-data.";
  } else if (str(c.info, "provider") == "kubeconfig") {
    cand.f.cause = "Nothing usable answered at the kubeconfig's server address.";
    cand.f.next_step = "kubectl --kubeconfig " + (kubeconfig.empty() ? "FILE" : kubeconfig) +
                       " get --raw /version";
  } else {
    cand.f.cause =
        "The control-plane container is stopped or unhealthy, or the published port "
        "changed; only node-level data could be gathered.";
    cand.f.next_step = "docker ps -a --filter label=io.x-k8s.kind.cluster=" + c.name +
                       "; read node-logs/ (kubelet, containerd) in the bundle.";
  }
  (void)m;
  out.push_back(std::move(cand));
}

// --- Traces: requests that failed, grouped by the service and operation that answered ----------

constexpr std::size_t kTracesInEvidence = 5;

std::string span_tag(const SpanInfo& s, std::string_view key) {
  for (const auto& [k, v] : s.tags)
    if (k == key) return v;
  return {};
}

// "http.status_code=503, otel.status_code=ERROR": the tags that say how the span ended.
std::string status_tags(const SpanInfo& s) {
  std::vector<std::string> out;
  for (const char* k : {"http.status_code", "http.response.status_code", "rpc.grpc.status_code",
                        "otel.status_code"}) {
    const std::string v = span_tag(s, k);
    if (!v.empty()) out.push_back(std::string(k) + "=" + v);
  }
  return join(out, ", ");
}

// Whom a span called, from its peer tags: "gateway-api (gateway-api.ns.svc:8080)", or empty.
std::string span_peer(const SpanInfo& s) {
  std::string host = span_tag(s, "net.peer.name");
  std::string port = span_tag(s, "net.peer.port");
  if (host.empty()) {
    host = span_tag(s, "server.address");
    port = span_tag(s, "server.port");
  }
  const std::string address = host.empty() ? "" : host + (port.empty() ? "" : ":" + port);
  const std::string peer = span_tag(s, "peer.service");
  if (peer.empty()) return address;
  return address.empty() ? peer : peer + " (" + address + ")";
}

std::string span_line(const SpanInfo& s) {
  const std::string status = status_tags(s);
  return s.service + " " + s.operation + (s.message.empty() ? "" : ": " + one_line(s.message)) +
         (status.empty() ? "" : " [" + status + "]");
}

// The failing call below a failed request: the error span deepest under it. A client span names
// its peer; a span of another service names that service.
struct Downstream {
  std::string name;    // what the cause calls the failing dependency; empty: none identified
  std::string target;  // what to check: a Kubernetes Service when the peer names one
  const SpanInfo* span = nullptr;
};

// "postgres.db.svc.cluster.local:5432" -> "Service postgres in namespace db (...)"; other
// peers unchanged.
std::string service_of_peer(const std::string& peer) {
  const std::string host = peer.substr(0, peer.find(':'));
  const auto labels = split(host, '.');
  if (labels.size() >= 3 && labels[2] == "svc" &&
      (labels.size() == 3 || host.ends_with(".svc.cluster.local")))
    return "Service " + labels[0] + " in namespace " + labels[1] + " (" + peer + ")";
  return peer;
}

Downstream downstream_of(const SpanInfo& top, const SpanInfo& leaf) {
  if (&leaf == &top) return {};
  const std::string peer = span_peer(leaf);
  if (!peer.empty()) {
    std::string host = span_tag(leaf, "net.peer.name");
    std::string port = span_tag(leaf, "net.peer.port");
    if (host.empty()) {
      host = span_tag(leaf, "server.address");
      port = span_tag(leaf, "server.port");
    }
    const std::string target =
        host.empty() ? peer : service_of_peer(host + (port.empty() ? "" : ":" + port));
    return {leaf.service != top.service ? peer + " (via " + leaf.service + ")" : peer, target,
            &leaf};
  }
  if (leaf.service != top.service) return {leaf.service, leaf.service, &leaf};
  return {"", "", &leaf};
}

struct FailedRequest {
  const SpanInfo* top;   // the highest error span: the request that failed
  const SpanInfo* leaf;  // the deepest error span under it (top itself when none)
};

struct TraceGroup {
  std::string cluster, ns, service, operation;
  std::vector<FailedRequest> requests;
  std::set<std::string> traces;
};

// clusters/<dir>/traces/... -> the cluster's name in the report.
std::string cluster_of_source(const Model& m, const std::string& source) {
  const auto parts = split(source, '/');
  if (parts.size() < 2 || parts[0] != "clusters") return "";
  for (const auto& [name, c] : m.clusters)
    if (c.dir == parts[1]) return name;
  return parts[1];
}

std::vector<FailedRequest> failed_requests(const Model& m) {
  using Key = std::pair<std::string, std::string>;  // trace id, span id
  std::map<Key, const SpanInfo*> errors;
  for (const auto& s : m.traces.error_spans) errors.emplace(Key{s.trace_id, s.span_id}, &s);
  std::map<Key, std::vector<const SpanInfo*>> children;  // error spans by erroring parent
  for (const auto& [key, s] : errors)
    if (!s->parent_span_id.empty() && errors.count({s->trace_id, s->parent_span_id}))
      children[{s->trace_id, s->parent_span_id}].push_back(s);
  std::vector<FailedRequest> out;
  for (const auto& [key, s] : errors) {
    if (!s->parent_span_id.empty() && errors.count({s->trace_id, s->parent_span_id})) continue;
    // Follow the error down; among siblings the latest to start is the one that gave up last.
    const SpanInfo* leaf = s;
    for (std::size_t depth = 0; depth < errors.size(); ++depth) {
      auto it = children.find({leaf->trace_id, leaf->span_id});
      if (it == children.end()) break;
      leaf = *std::max_element(
          it->second.begin(), it->second.end(), [](const SpanInfo* a, const SpanInfo* b) {
            return std::tie(a->start, a->span_id) < std::tie(b->start, b->span_id);
          });
    }
    out.push_back({s, leaf});
  }
  return out;
}

void detect_traces(const Model& m, std::vector<Candidate>& out) {
  std::map<std::tuple<std::string, std::string, std::string>, TraceGroup> groups;
  for (const FailedRequest& r : failed_requests(m)) {
    auto t = m.traces.traces.find(r.top->trace_id);
    const std::string source = t == m.traces.traces.end() ? "" : t->second.source;
    const std::string cluster = cluster_of_source(m, source);
    TraceGroup& g = groups[{cluster, r.top->service, r.top->operation}];
    g.cluster = cluster;
    g.service = r.top->service;
    g.operation = r.top->operation;
    if (g.ns.empty()) g.ns = r.top->ns;
    g.requests.push_back(r);
    g.traces.insert(r.top->trace_id);
  }
  for (auto& [key, g] : groups) {
    std::sort(g.requests.begin(), g.requests.end(),
              [](const FailedRequest& a, const FailedRequest& b) {
                return std::tie(a.top->start, a.top->trace_id, a.top->span_id) <
                       std::tie(b.top->start, b.top->trace_id, b.top->span_id);
              });
    const std::size_t n = g.requests.size();
    Candidate c;
    c.f.detector = "trace-errors";
    c.f.severity = Severity::error;
    c.f.object = ObjectRef{g.cluster, g.ns, "TracedService", g.service};
    c.f.id = "trace-errors:" + c.f.object.display() + "/" + g.operation;
    c.group = c.f.id;
    c.f.title = "Traces: " + std::to_string(n) + (n == 1 ? " request" : " requests") + " to " +
                g.service + " " + g.operation + " failed";
    c.f.evidence.push_back(
        std::to_string(n) + (n == 1 ? " failed request in " : " failed requests in ") +
        std::to_string(g.traces.size()) + (g.traces.size() == 1 ? " trace" : " traces") +
        ", first " + format_rfc3339(g.requests.front().top->start) + ", last " +
        format_rfc3339(g.requests.back().top->start));
    std::map<std::string, std::size_t> downstream;  // name -> requests
    std::string check;                              // the first failing call's target
    std::string first_cause;                        // the failing call's message, first seen
    for (std::size_t i = 0; i < n; ++i) {
      const FailedRequest& r = g.requests[i];
      const Downstream d = downstream_of(*r.top, *r.leaf);
      if (!d.name.empty()) ++downstream[d.name];
      if (check.empty()) check = d.target;
      if (first_cause.empty() && d.span != nullptr) first_cause = one_line(d.span->message);
      if (i >= kTracesInEvidence) continue;
      const auto t = m.traces.traces.find(r.top->trace_id);
      const std::string source = t == m.traces.traces.end() ? "" : t->second.source;
      c.f.evidence.push_back("trace " + r.top->trace_id + " at " + format_rfc3339(r.top->start) +
                             ": " + span_line(*r.top) +
                             (source.empty() ? "" : " [" + source + "]"));
      if (d.span != nullptr)
        c.f.evidence.push_back("  failing call: " + span_line(*d.span) +
                               (span_peer(*d.span).empty() ? "" : " -> " + span_peer(*d.span)));
    }
    if (n > kTracesInEvidence)
      c.f.evidence.push_back("(" + std::to_string(n - kTracesInEvidence) +
                             " more failed requests: report.json lists every error span)");
    if (!downstream.empty()) {
      std::vector<std::string> names;
      std::size_t below = 0;
      for (const auto& [name, count] : downstream) {
        names.push_back(name + (downstream.size() > 1 ? " (" + std::to_string(count) + ")" : ""));
        below += count;
      }
      c.f.cause =
          g.service + "'s call" + (names.size() > 1 ? "s" : "") + " to " + join(names, ", ") +
          " failed under " +
          (below == n ? (n == 1 ? "the request" : "every request")
                      : std::to_string(below) + " of the " + std::to_string(n) + " requests") +
          (first_cause.empty() ? "" : ": " + first_cause) +
          (n == 1 ? ". The request fails" : ". The requests fail") + " because that call does.";
      c.f.next_step = "Check " + (check.empty() ? downstream.begin()->first : check) +
                      " first (its pods and its own findings): the failing calls go there.";
    } else if (first_cause.empty()) {
      const std::string message = one_line(g.requests.front().top->message);
      c.f.cause =
          g.service + " reported the error itself" + (message.empty() ? "" : ": " + message) + ".";
      c.f.next_step = "Read the logs of " + g.service + " around " +
                      format_rfc3339(g.requests.front().top->start) + ".";
    } else {
      c.f.cause = "A span inside " + g.service + " failed below the request: " + first_cause + ".";
      c.f.next_step = "Read the logs of " + g.service + " around " +
                      format_rfc3339(g.requests.front().top->start) + ".";
    }
    out.push_back(std::move(c));
  }
}

// Same cause across replicas: one finding listing every pod.
std::vector<Finding> group_candidates(std::vector<Candidate> cands) {
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

std::string severity_name(Severity s) {
  switch (s) {
    case Severity::critical:
      return "critical";
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "info";
  }
  return "info";
}

std::string ObjectRef::display() const {
  std::vector<std::string> parts;
  for (const auto* p : {&cluster, &ns, &kind, &name})
    if (!p->empty()) parts.push_back(*p);
  return join(parts, "/");
}

std::string exit_code_meaning(long code) {
  switch (code) {
    case 0:
      return "exited normally";
    case 1:
      return "application error";
    case 2:
      return "misuse of a shell builtin or bad arguments";
    case 126:
      return "command found but not executable";
    case 127:
      return "command not found";
    case 128 + 9:
      return "SIGKILL: OOM killer or kill -9";
    case 128 + 11:
      return "SIGSEGV: segmentation fault";
    case 128 + 15:
      return "SIGTERM: stopped by a signal, often a failed liveness probe or a shutdown";
    case 128 + 6:
      return "SIGABRT: the process aborted";
    default:
      if (code > 128 && code < 160) return "killed by signal " + std::to_string(code - 128);
      return "application-defined exit code";
  }
}

std::optional<EpochNanos> event_first(const json& ev) {
  if (auto t = json_time(ev, "firstTimestamp")) return t;
  if (auto t = json_time(ev, "eventTime")) return t;
  return json_time(ev, "lastTimestamp");
}

std::optional<EpochNanos> event_last(const json& ev) {
  if (auto t = json_time(at_path(ev, {"series"}), "lastObservedTime")) return t;
  if (auto t = json_time(ev, "lastTimestamp")) return t;
  return event_first(ev);
}

long event_count(const json& ev) {
  const json& series = at_path(ev, {"series", "count"});
  if (series.is_number()) return series.get<long>();
  const json& c = at_path(ev, {"count"});
  return c.is_number() && c.get<long>() > 0 ? c.get<long>() : 1;
}

std::vector<Finding> detect_findings(const Model& m) {
  std::vector<Candidate> cands;
  if (m.clusters.empty()) {
    Candidate c;
    c.f.detector = "no-clusters";
    c.f.severity = Severity::critical;
    c.f.object = ObjectRef{"", "", "Host", "kind"};
    c.f.id = "no-clusters";
    c.group = c.f.id;
    c.f.title = "No Kind cluster found";
    for (const auto& e : at_path(m.manifest, {"engines"}))
      c.f.evidence.push_back("engine " + str(e, "provider") + " at " + str(e, "endpoint") +
                             (str(e, "error").empty() ? "" : ": " + str(e, "error")));
    if (!m.has_manifest) c.f.evidence.push_back("the bundle has no manifest.json");
    c.f.cause =
        "No container labelled io.x-k8s.kind.cluster was found, and no kubeconfig "
        "context pointed at a cluster (the cluster was deleted before collection, or the "
        "engine socket is not the one Kind used).";
    c.f.next_step =
        "Run the collection before `kind delete cluster`; check DOCKER_HOST / "
        "KIND_EXPERIMENTAL_PROVIDER.";
    cands.push_back(std::move(c));
  }
  for (const auto& [name, cluster] : m.clusters) {
    const Ctx ctx(m, cluster);
    detect_cluster(m, cluster, cands);
    const auto svcs = service_refs(ctx);
    for (const auto& pod : cluster.items("pods")) detect_pod(ctx, pod, svcs, cands);
    detect_deployments(ctx, cands);
    detect_jobs(ctx, cands);
    detect_sets(ctx, cands);
    detect_nodes(ctx, cands);
    detect_custom_resources(ctx, cands);
  }
  detect_traces(m, cands);
  // "N replicas unavailable" adds nothing when a pod finding already explains that workload.
  std::set<std::string> explained;
  for (const auto& c : cands)
    if (!c.f.pods.empty()) explained.insert(c.f.object.display());
  std::erase_if(cands, [&](const Candidate& c) {
    return (c.f.detector == "deployment-unavailable" || c.f.detector == "statefulset-not-ready" ||
            c.f.detector == "daemonset-not-ready") &&
           explained.count(c.f.object.display()) > 0;
  });
  std::vector<Finding> out = group_candidates(std::move(cands));
  // Within a severity, root causes come before the workloads that fail because of them.
  auto dependent = [](const Finding& f) {
    return f.detector == "dependency" || f.detector == "missing-service" ||
           f.detector == "trace-errors";
  };
  std::stable_sort(out.begin(), out.end(), [&](const Finding& a, const Finding& b) {
    const bool da = dependent(a), db = dependent(b);
    return std::tie(a.severity, da, a.object.cluster, a.object.ns, a.object.kind, a.object.name,
                    a.id) < std::tie(b.severity, db, b.object.cluster, b.object.ns, b.object.kind,
                                     b.object.name, b.id);
  });
  return out;
}

}  // namespace kmg::report
