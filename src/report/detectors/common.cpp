#include "report/detectors/common.h"

#include <algorithm>

#include <re2/re2.h>

#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr std::size_t kLogLinesInEvidence = 10;

}  // namespace

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

Candidate make(const ClusterCtx& ctx, const PodView& pv, const std::string& detector, Severity sev,
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

void add_event_evidence(const std::vector<const json*>& events, Finding& f,
                        const std::vector<std::string>& reasons, std::size_t cap) {
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

namespace {

const RE2& missing_object_re() {
  static const RE2 re(R"re((?i)(configmap|secret)s? "([^"]+)" not found)re");
  return re;
}
const RE2& missing_key_re() {
  static const RE2 re(R"re(couldn't find key (\S+) in (Secret|ConfigMap) (\S+))re");
  return re;
}

}  // namespace

// "configmap app-config", "key password in Secret default/db", or empty.
std::string missing_reference(const std::string& text) {
  std::string kind, name, key, where;
  if (RE2::PartialMatch(text, missing_key_re(), &key, &kind, &where))
    return "key " + key + " in " + kind + " " + where;
  if (RE2::PartialMatch(text, missing_object_re(), &kind, &name))
    return to_lower(kind) + " " + name;
  return {};
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

Candidate make_obj(const ClusterCtx& ctx, const json& obj, const std::string& kind,
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

void for_each_container(const json& pod, const std::function<void(const ContainerView&)>& fn) {
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const json& statuses = at_path(pod, {"status", list});
    if (!statuses.is_array()) continue;
    for (const auto& st : statuses)
      fn(ContainerView{st, str(st, "name"), container_spec(pod, str(st, "name"))});
  }
}

const json* condition(const json& obj, const std::string& type) {
  const json& conds = at_path(obj, {"status", "conditions"});
  if (!conds.is_array()) return nullptr;
  for (const auto& c : conds)
    if (str(c, "type") == type) return &c;
  return nullptr;
}

long num(const json& obj, std::initializer_list<const char*> path, long def) {
  const json& v = at_path(obj, path);
  return v.is_number() ? v.get<long>() : def;
}

bool selector_matches(const json& selector, const json& labels) {
  if (!selector.is_object() || selector.empty()) return false;
  for (const auto& [k, v] : selector.items())
    if (!labels.is_object() || !labels.contains(k) || labels[k] != v) return false;
  return true;
}

bool unschedulable(const json& pod) {
  for (const auto& cond : at_path(pod, {"status", "conditions"}))
    if (str(cond, "type") == "PodScheduled" && str(cond, "status") == "False") return true;
  return false;
}

std::string scheduling_message(const ClusterCtx& ctx, const std::string& ns, const json& pod) {
  std::string msg;
  for (const auto& cond : at_path(pod, {"status", "conditions"}))
    if (str(cond, "type") == "PodScheduled" && str(cond, "status") == "False")
      msg = str(cond, "message");
  for (const json* ev : ctx.events_for("Pod", ns, str(at_path(pod, {"metadata"}), "name")))
    if (str(*ev, "reason") == "FailedScheduling") msg = str(*ev, "message");
  return msg;
}

std::string pod_state(const ClusterCtx& ctx, const json& pod) {
  const std::string name = str(at_path(pod, {"metadata"}), "name");
  const std::string phase = str(at_path(pod, {"status"}), "phase");
  if (phase == "Pending" && unschedulable(pod))
    return name + " is Pending: FailedScheduling: " +
           one_line(scheduling_message(ctx, str(at_path(pod, {"metadata"}), "namespace"), pod));
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

std::vector<const json*> events_with(const ClusterCtx& ctx, const std::string& kind,
                                     const std::string& ns, const std::string& name,
                                     std::initializer_list<std::string_view> reasons) {
  std::vector<const json*> out;
  for (const json* ev : ctx.events_for(kind, ns, name))
    if (std::find(reasons.begin(), reasons.end(), str(*ev, "reason")) != reasons.end())
      out.push_back(ev);
  return out;
}

ObjectRef pod_ref(const ClusterCtx& ctx, const json& pod) {
  return ObjectRef{ctx.c.name, str(at_path(pod, {"metadata"}), "namespace"), "Pod",
                   str(at_path(pod, {"metadata"}), "name")};
}

}  // namespace kmg::report::detect
