// The Clusters and Pods tables, the timeline and the pod gantt chart.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report/render.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPodRows = 50;
constexpr std::size_t kMaxTimelineRows = 60;
constexpr std::size_t kMaxGanttBars = 40;
constexpr std::size_t kMaxSummaryPods = 20;

// Repeats of the same line (same object, same text) collapse into one row with a count.
std::vector<TimelineEntry> compact_timeline(const std::vector<TimelineEntry>& in) {
  std::vector<TimelineEntry> out;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> index;
  for (const auto& e : in) {
    const auto key = std::make_tuple(e.cluster, e.source, e.object, e.what);
    auto it = index.find(key);
    if (it == index.end()) {
      index.emplace(key, out.size());
      out.push_back(e);
      continue;
    }
    TimelineEntry& first = out[it->second];
    first.count += e.count;
    first.last = std::max(first.last.value_or(first.time), e.last.value_or(e.time));
  }
  return out;
}

std::string mermaid_name(const std::string& s) {
  std::string out;
  for (char ch : s) out += (ch == ':' || ch == '#' || ch == ';' || ch == '\n') ? '_' : ch;
  return out;
}

std::string gantt_time(EpochNanos t) {
  std::string s = format_rfc3339(t);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s;
}

std::string gantt_text(const std::vector<GanttBar>& bars, bool multi_cluster) {
  if (bars.empty()) return "";
  std::string out = "gantt\n  dateFormat YYYY-MM-DDTHH:mm:ss\n  axisFormat %H:%M:%S\n";
  std::string section;
  const std::size_t n = std::min(bars.size(), kMaxGanttBars);
  for (std::size_t i = 0; i < n; ++i) {
    const GanttBar& b = bars[i];
    const std::string sec = multi_cluster ? b.cluster + "/" + b.ns : b.ns;
    if (sec != section) {
      section = sec;
      out += "  section " + mermaid_name(sec) + "\n";
    }
    // A bar needs a length; an instantaneous pod gets one second.
    const EpochNanos end = b.end > b.start ? b.end : b.start + 1000000000;
    out += "  " + mermaid_name(b.pod) + " :" + (b.failing ? "crit, " : "") + gantt_time(b.start) +
           ", " + gantt_time(end) + "\n";
  }
  return out;
}

}  // namespace

void view_cluster(const Analysis& a, json& v) {
  json clusters = json::array();
  for (const auto& r : a.clusters)
    clusters.push_back(json{{"name", md_cell(r.name)},
                            {"provider", md_cell(r.provider)},
                            {"version", md_cell(r.version)},
                            {"reachable", md_cell(r.reachable)},
                            {"nodes", std::to_string(r.nodes)},
                            {"pods", std::to_string(r.pods)},
                            {"findings", std::to_string(r.findings)}});
  v["clusters"] = clusters;
  v["has_clusters"] = !a.model.clusters.empty();
  json pods = json::array();
  for (std::size_t i = 0; i < a.pods.size() && i < kMaxPodRows; ++i) {
    const PodRow& p = a.pods[i];
    pods.push_back(json{{"cluster", md_cell(p.cluster)},
                        {"pod", md_cell(p.ns + "/" + p.name)},
                        {"phase", md_cell(p.phase)},
                        {"ready", md_cell(p.ready)},
                        {"restarts", std::to_string(p.restarts)},
                        {"reason", md_cell(p.reason)},
                        {"node", md_cell(p.node)},
                        {"age", md_cell(p.age)}});
  }
  v["pods"] = pods;
  v["has_pods"] = !pods.empty();
  v["pods_more"] = more_line(pods.size(), a.pods.size(), "report.json (pods)");
  json unhealthy = json::array();
  std::size_t unhealthy_total = 0;
  for (std::size_t i = 0; i < a.pods.size(); ++i) {
    if (a.pods[i].healthy) continue;
    if (++unhealthy_total <= kMaxSummaryPods && i < pods.size()) unhealthy.push_back(pods[i]);
  }
  v["unhealthy_pods"] = unhealthy;
  v["has_unhealthy_pods"] = !unhealthy.empty();
  v["unhealthy_pods_more"] = more_line(unhealthy.size(), unhealthy_total, "REPORT.md");
}

void view_timeline(const Analysis& a, json& v) {
  // The Markdown keeps what explains a failure: warnings and errors, and the normal lifecycle of
  // objects that have a finding. report.json keeps every entry.
  std::set<std::string> failing;
  for (const auto& f : a.findings) {
    failing.insert(f.object.cluster + "|" + f.object.kind + "/" + f.object.ns + "/" +
                   f.object.name);
    for (const auto& p : f.pods) failing.insert(f.object.cluster + "|Pod/" + p);
  }
  std::vector<TimelineEntry> relevant;
  for (const auto& e : a.timeline)
    if (e.level != "normal" || failing.count(e.cluster + "|" + e.object) > 0) relevant.push_back(e);
  const auto compact = compact_timeline(relevant);
  json tl = json::array();
  for (std::size_t i = 0; i < compact.size() && i < kMaxTimelineRows; ++i) {
    const TimelineEntry& e = compact[i];
    tl.push_back(json{{"time", format_rfc3339(e.time)},
                      {"cluster", md_cell(e.cluster)},
                      {"source", e.source},
                      {"level", e.level},
                      {"object", md_cell(e.object)},
                      {"what", md_cell(shorten(e.what, 240))},
                      {"count", e.count > 1 ? "x" + std::to_string(e.count) : ""}});
  }
  v["timeline"] = tl;
  v["has_timeline"] = !tl.empty();
  v["timeline_more"] = more_line(tl.size(), compact.size(), "report.json (timeline)");
  v["timeline_hidden"] =
      a.timeline.size() > relevant.size()
          ? json(std::to_string(a.timeline.size() - relevant.size()) +
                 " normal entries of healthy objects: see report.json (timeline)")
          : json(false);
  const std::string gantt = gantt_text(a.gantt, a.model.clusters.size() > 1);
  v["gantt"] = gantt;
  v["has_gantt"] = !gantt.empty();
  v["gantt_more"] = more_line(std::min(a.gantt.size(), kMaxGanttBars), a.gantt.size(),
                              "the pod table in report.json");
}

}  // namespace kmg::report
