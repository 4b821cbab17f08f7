// The merged timeline (events, pod lifecycle, log errors, error spans, failed tests), the gantt
// bars of pod lifecycles, Warning event groups and the pod status table.
#include <algorithm>
#include <map>
#include <tuple>

#include "report/analysis.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kLogLinesPerLog = 5;

std::string one_line(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '\n', ' ');
  std::replace(out.begin(), out.end(), '\r', ' ');
  return std::string(trim(out));
}

void add(std::vector<TimelineEntry>& out, std::optional<EpochNanos> t, std::string source,
         std::string level, const std::string& cluster, std::string object, std::string what) {
  if (!t) return;
  TimelineEntry e;
  e.time = *t;
  e.source = std::move(source);
  e.level = std::move(level);
  e.cluster = cluster;
  e.object = std::move(object);
  e.what = std::move(what);
  out.push_back(std::move(e));
}

void add_terminated(std::vector<TimelineEntry>& out, const std::string& cluster,
                    const std::string& object, const std::string& container, const json& term) {
  if (!term.is_object()) return;
  const long code = term.value("exitCode", 0L);
  add(out, json_time(term, "finishedAt"), "pod", code == 0 ? "normal" : "error", cluster, object,
      "container " + container + " terminated: " + str(term, "reason") + " exit code " +
          std::to_string(code));
}

void pod_lifecycle(std::vector<TimelineEntry>& out, const std::string& cluster, const json& pod) {
  const std::string object = "Pod/" + pod_key(pod);
  add(out, json_time(at_path(pod, {"metadata"}), "creationTimestamp"), "pod", "normal", cluster,
      object, "created");
  for (const auto& cond : at_path(pod, {"status", "conditions"})) {
    const std::string type = str(cond, "type");
    const bool ok = str(cond, "status") == "True";
    std::string what;
    if (type == "PodScheduled")
      what = ok ? "scheduled on " + str(at_path(pod, {"spec"}), "nodeName")
                : "unschedulable: " + one_line(str(cond, "message"));
    else if (type == "Initialized" && ok)
      what = "initialized";
    else if (type == "Ready")
      what = ok ? "ready" : "not ready: " + str(cond, "reason");
    if (what.empty()) continue;
    add(out, json_time(cond, "lastTransitionTime"), "pod", ok ? "normal" : "warning", cluster,
        object, what);
  }
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const auto& cs : at_path(pod, {"status", list})) {
      const std::string name = str(cs, "name");
      add(out, json_time(at_path(cs, {"state", "running"}), "startedAt"), "pod", "normal", cluster,
          object, "container " + name + " started");
      add_terminated(out, cluster, object, name, at_path(cs, {"state", "terminated"}));
      add_terminated(out, cluster, object, name, at_path(cs, {"lastState", "terminated"}));
    }
  }
}

void add_event(std::vector<TimelineEntry>& out, const std::string& cluster, const json& ev) {
  const json& io = at_path(ev, {"involvedObject"});
  std::string object = str(io, "kind") + "/" +
                       (str(io, "namespace").empty() ? "" : str(io, "namespace") + "/") +
                       str(io, "name");
  const std::string type = str(ev, "type");
  const auto first = event_first(ev);
  if (!first) return;
  TimelineEntry e;
  e.time = *first;
  e.last = event_last(ev);
  e.source = "event";
  e.level = type == "Warning" ? "warning" : "normal";
  e.cluster = cluster;
  e.object = std::move(object);
  e.what = str(ev, "reason") + ": " + one_line(str(ev, "message"));
  e.count = static_cast<std::size_t>(event_count(ev));
  out.push_back(std::move(e));
}

}  // namespace

std::vector<TimelineEntry> build_timeline(const Model& m, const std::vector<Finding>& findings) {
  (void)findings;
  std::vector<TimelineEntry> out;
  for (const auto& [name, c] : m.clusters) {
    // The gathered events, then those only a recording kept (expired, or of a deleted
    // namespace): the timeline spans the whole run.
    for (const auto& ev : c.events) add_event(out, name, ev);
    for (const auto& ev : c.recorded_events) add_event(out, name, ev);
    for (const auto& pod : c.items("pods")) pod_lifecycle(out, name, pod);
    for (const auto& [path, log] : c.logs) {
      const std::size_t n = log.errors.size();
      const std::size_t from = n > kLogLinesPerLog ? n - kLogLinesPerLog : 0;
      for (std::size_t i = from; i < n; ++i)
        add(out, log.errors[i].time, "log", "error", name,
            "Pod/" + log.ns + "/" + log.pod + " [" + log.container +
                (log.previous ? " previous" : "") + "]",
            log.errors[i].text);
    }
  }
  for (const auto& s : m.traces.error_spans)
    add(out, s.start, "trace", "error", "", "span " + s.service,
        s.operation + (s.message.empty() ? "" : ": " + s.message) + " (trace " + s.trace_id + ")");
  for (const auto& t : m.tests.cases)
    if (t.status == "failed" || t.status == "error")
      add(out, t.time, "test", "error", "", "test " + t.suite,
          t.name + (t.message.empty() ? "" : ": " + t.message));
  std::sort(out.begin(), out.end(), [](const TimelineEntry& a, const TimelineEntry& b) {
    return std::tie(a.time, a.cluster, a.source, a.object, a.what, a.count) <
           std::tie(b.time, b.cluster, b.source, b.object, b.what, b.count);
  });
  return out;
}

std::vector<GanttBar> build_gantt(const Model& m, const std::vector<Finding>& findings) {
  std::set<std::string> failing;
  for (const auto& f : findings)
    for (const auto& p : f.pods) failing.insert(f.object.cluster + "/" + p);
  std::vector<TimelineEntry> pod_events;
  std::vector<GanttBar> out;
  for (const auto& [name, c] : m.clusters) {
    for (const auto& pod : c.items("pods")) {
      pod_events.clear();
      pod_lifecycle(pod_events, name, pod);
      const auto created = json_time(at_path(pod, {"metadata"}), "creationTimestamp");
      if (!created) continue;
      GanttBar bar;
      bar.cluster = name;
      bar.ns = str(at_path(pod, {"metadata"}), "namespace");
      bar.pod = str(at_path(pod, {"metadata"}), "name");
      bar.start = *created;
      bar.end = *created;
      for (const auto& e : pod_events) bar.end = std::max(bar.end, e.time);
      bar.failing = failing.count(name + "/" + bar.ns + "/" + bar.pod) > 0;
      out.push_back(bar);
    }
  }
  std::sort(out.begin(), out.end(), [](const GanttBar& a, const GanttBar& b) {
    return std::tie(a.cluster, a.ns, a.start, a.pod) < std::tie(b.cluster, b.ns, b.start, b.pod);
  });
  return out;
}

std::vector<WarningGroup> group_warning_events(const Model& m) {
  std::map<std::tuple<std::string, std::string, std::string>, WarningGroup> groups;
  std::map<std::tuple<std::string, std::string, std::string>, EpochNanos> sample_time;
  for (const auto& [name, c] : m.clusters) {
    for (const auto& ev : c.events) {
      if (str(ev, "type") != "Warning") continue;
      const json& io = at_path(ev, {"involvedObject"});
      const auto key = std::make_tuple(name, str(ev, "reason"), str(io, "kind"));
      WarningGroup& g = groups[key];
      g.cluster = name;
      g.reason = str(ev, "reason");
      g.kind = str(io, "kind");
      g.count += static_cast<std::size_t>(event_count(ev));
      g.objects.insert((str(io, "namespace").empty() ? "" : str(io, "namespace") + "/") +
                       str(io, "name"));
      const EpochNanos t = event_first(ev).value_or(0);
      auto it = sample_time.find(key);
      // The earliest message is the sample; ties broken by text so the choice is stable.
      const std::string msg = one_line(str(ev, "message"));
      if (it == sample_time.end() || t < it->second || (t == it->second && msg < g.sample)) {
        sample_time[key] = t;
        g.sample = msg;
      }
    }
  }
  std::vector<WarningGroup> out;
  for (auto& [k, g] : groups) out.push_back(std::move(g));
  std::stable_sort(out.begin(), out.end(),
                   [](const WarningGroup& a, const WarningGroup& b) { return a.count > b.count; });
  return out;
}

std::vector<PodRow> pod_rows(const Model& m) {
  std::vector<PodRow> out;
  for (const auto& [name, c] : m.clusters) {
    for (const auto& pod : c.items("pods")) {
      PodRow r;
      r.cluster = name;
      r.ns = str(at_path(pod, {"metadata"}), "namespace");
      r.name = str(at_path(pod, {"metadata"}), "name");
      r.phase = str(at_path(pod, {"status"}), "phase");
      r.node = str(at_path(pod, {"spec"}), "nodeName");
      r.reason = str(at_path(pod, {"status"}), "reason");
      int total = 0, ready = 0;
      const json& statuses = at_path(pod, {"status", "containerStatuses"});
      const json& specs = at_path(pod, {"spec", "containers"});
      total = specs.is_array() ? static_cast<int>(specs.size()) : 0;
      for (const auto& cs : statuses.is_array() ? statuses : json::array()) {
        if (cs.value("ready", false)) ++ready;
        r.restarts += cs.value("restartCount", 0L);
        const std::string w = str(at_path(cs, {"state", "waiting"}), "reason");
        const std::string t = str(at_path(cs, {"state", "terminated"}), "reason");
        const std::string lt = str(at_path(cs, {"lastState", "terminated"}), "reason");
        if (r.reason.empty()) r.reason = !w.empty() ? w : (!t.empty() ? t : "");
        if (!w.empty() && !lt.empty() && r.reason == w) r.reason = w + " (last: " + lt + ")";
      }
      if (r.reason.empty() && r.phase == "Pending")
        for (const auto& cond : at_path(pod, {"status", "conditions"}))
          if (str(cond, "type") == "PodScheduled" && str(cond, "status") == "False")
            r.reason = str(cond, "reason");
      r.ready = std::to_string(ready) + "/" + std::to_string(total);
      const auto created = json_time(at_path(pod, {"metadata"}), "creationTimestamp");
      if (created && m.now && *m.now >= *created)
        r.age = short_duration((*m.now - *created) / 1000000000);
      r.healthy = r.phase == "Succeeded" || (r.phase == "Running" && ready == total);
      out.push_back(std::move(r));
    }
  }
  // Unhealthy pods first, then by place and name.
  std::stable_sort(out.begin(), out.end(), [](const PodRow& a, const PodRow& b) {
    return std::tie(a.healthy, a.cluster, a.ns, a.name) <
           std::tie(b.healthy, b.cluster, b.ns, b.name);
  });
  return out;
}

}  // namespace kmg::report
