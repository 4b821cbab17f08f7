#include "report/render.h"

#include <algorithm>
#include <map>

#include <kainjow/mustache.hpp>

#include "util/errors.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxPodRows = 50;
constexpr std::size_t kMaxTimelineRows = 60;
constexpr std::size_t kMaxGanttBars = 40;
constexpr std::size_t kMaxSignatureRows = 30;
constexpr std::size_t kMaxWarningRows = 30;
constexpr std::size_t kMaxSpanRows = 20;
constexpr std::size_t kMaxTestRows = 30;
constexpr std::size_t kMaxFailureRows = 30;
constexpr std::size_t kMaxFilesPerFolder = 15;
constexpr std::size_t kMaxCellBytes = 300;
constexpr std::size_t kMaxSummaryFindings = 10;
constexpr std::size_t kMaxSummaryPods = 20;

std::string opt_time(const std::optional<EpochNanos>& t) { return t ? format_rfc3339(*t) : ""; }

std::string shorten(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  return to_valid_utf8(s.substr(0, max)) + "…";
}

std::string code_block_line(const std::string& s) {
  // A line cannot end the fence early if it has no run of three backticks.
  std::string out = to_valid_utf8(s);
  std::size_t pos;
  while ((pos = out.find("```")) != std::string::npos) out.replace(pos, 3, "'''");
  return out;
}

std::string link_target(const std::string& path) {
  std::vector<std::string> parts = split(path, '/');
  for (auto& p : parts) p = url_encode(p);
  return join(parts, "/");
}

json more_line(std::size_t shown, std::size_t total, const std::string& where) {
  if (total <= shown) return false;
  return std::to_string(total - shown) + " more: see " + where;
}

json finding_json(const Finding& f) {
  return json{{"id", f.id},
              {"detector", f.detector},
              {"severity", severity_name(f.severity)},
              {"title", f.title},
              {"object",
               {{"cluster", f.object.cluster},
                {"namespace", f.object.ns},
                {"kind", f.object.kind},
                {"name", f.object.name}}},
              {"evidence", f.evidence},
              {"likely_cause", f.cause},
              {"next_step", f.next_step},
              {"pods", f.pods}};
}

std::vector<const Signature*> sorted_signatures(const Model& m) {
  std::vector<const Signature*> out;
  for (const auto& [k, s] : m.signatures) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(),
                   [](const Signature* a, const Signature* b) { return a->count > b->count; });
  return out;
}

std::vector<const TraceInfo*> slowest_traces(const Model& m) {
  std::vector<const TraceInfo*> out;
  for (const auto& [id, t] : m.traces.traces) out.push_back(&t);
  std::stable_sort(out.begin(), out.end(), [](const TraceInfo* a, const TraceInfo* b) {
    return a->duration_us > b->duration_us;
  });
  if (out.size() > 5) out.resize(5);
  return out;
}

std::vector<const SpanInfo*> sorted_error_spans(const Model& m) {
  std::vector<const SpanInfo*> out;
  std::set<std::pair<std::string, std::string>> seen;  // a trace fetched twice repeats its spans
  for (const auto& s : m.traces.error_spans)
    if (seen.insert({s.trace_id, s.span_id}).second) out.push_back(&s);
  std::stable_sort(out.begin(), out.end(), [](const SpanInfo* a, const SpanInfo* b) {
    return std::tie(a->start, a->service, a->operation, a->span_id) <
           std::tie(b->start, b->service, b->operation, b->span_id);
  });
  return out;
}

std::string duration_ms(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

struct TestCounts {
  std::size_t passed = 0, failed = 0, skipped = 0;
};

TestCounts count_tests(const TestData& t) {
  TestCounts c;
  for (const auto& tc : t.cases) {
    if (tc.status == "passed")
      ++c.passed;
    else if (tc.status == "skipped")
      ++c.skipped;
    else
      ++c.failed;
  }
  return c;
}

std::string cluster_version(const ClusterData& c) {
  std::string v = str(c.version, "gitVersion");
  if (v.empty()) v = str(c.info, "server_version");
  return v;
}

json cluster_rows(const Analysis& a, bool markdown) {
  json rows = json::array();
  for (const auto& [name, c] : a.model.clusters) {
    std::size_t findings = 0;
    for (const auto& f : a.findings)
      if (f.object.cluster == name) ++findings;
    const json& reach = at_path(c.info, {"reachable"});
    const std::string reachable = reach.is_boolean() ? (reach.get<bool>() ? "yes" : "no") : "?";
    const std::size_t nodes = c.items("nodes").empty() && at_path(c.info, {"nodes"}).is_array()
                                  ? at_path(c.info, {"nodes"}).size()
                                  : c.items("nodes").size();
    json r{{"name", name},
           {"provider", str(c.info, "provider")},
           {"version", cluster_version(c)},
           {"reachable", reachable},
           {"nodes", nodes},
           {"pods", c.items("pods").size()},
           {"findings", findings}};
    if (markdown)
      for (auto& [k, v] : r.items()) v = md_cell(v.is_string() ? v.get<std::string>() : v.dump());
    rows.push_back(std::move(r));
  }
  return rows;
}

json collection_json(const Model& m) {
  json failures = json::array();
  json notes = json::array();
  for (const auto& [name, c] : m.clusters) {
    for (const auto& f : at_path(c.info, {"failures"}))
      failures.push_back(json{{"cluster", name},
                              {"collector", str(f, "collector")},
                              {"method", str(f, "method")},
                              {"path", str(f, "path")},
                              {"status", f.value("status", 0L)},
                              {"message", str(f, "message")}});
    for (const auto& n : at_path(c.info, {"notes"}))
      if (n.is_string()) notes.push_back(name + ": " + n.get<std::string>());
    for (const auto& p : at_path(c.info, {"problems"}))
      if (p.is_string()) notes.push_back(name + ": " + p.get<std::string>());
  }
  // Work of no cluster (attachments) and discovery's own notes.
  const json& general = at_path(m.manifest, {"general"});
  for (const auto& f : at_path(general, {"failures"}))
    failures.push_back(json{{"cluster", "-"},
                            {"collector", str(f, "collector")},
                            {"method", str(f, "method")},
                            {"path", str(f, "path")},
                            {"status", f.value("status", 0L)},
                            {"message", str(f, "message")}});
  for (const auto& n : at_path(general, {"notes"}))
    if (n.is_string()) notes.push_back(n.get<std::string>());
  for (const auto& n : at_path(m.manifest, {"discovery_notes"}))
    if (n.is_string()) notes.push_back("discovery: " + n.get<std::string>());
  for (const auto& e : at_path(m.manifest, {"engines"}))
    if (!str(e, "error").empty())
      notes.push_back("engine " + str(e, "provider") + " (" + str(e, "endpoint") +
                      "): " + str(e, "error"));
  const json& budget = at_path(m.manifest, {"size_budget"});
  if (at_path(budget, {"exhausted"}) == true) {
    const json& max = at_path(budget, {"max_bytes"});
    notes.push_back("the size budget (--max-size " +
                    human_bytes(max.is_number_unsigned() ? max.get<std::uint64_t>() : 0) +
                    ") was reached: files after it were left out");
  }
  if (at_path(m.manifest, {"write_failed"}) == true)
    notes.push_back(
        "some files could not be written to the bundle (disk full or permissions) and are "
        "missing; the gather's log names the first");
  const json& partial = at_path(m.manifest, {"partial"});
  const json& red = at_path(m.manifest, {"redaction"});
  return json{{"partial", partial.is_boolean() && partial.get<bool>()},
              {"redaction_enabled",
               at_path(red, {"enabled"}).is_boolean() && at_path(red, {"enabled"}).get<bool>()},
              {"redaction_masked",
               at_path(red, {"masked"}).is_number() ? at_path(red, {"masked"}).get<long>() : 0L},
              {"failures", failures},
              {"notes", notes},
              {"load_errors", m.load_errors},
              {"test_parse_errors", m.tests.parse_errors}};
}

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

json index_view(const Model& m) {
  std::map<std::string, std::vector<const FileEntry*>> folders;
  for (const auto& f : m.files) {
    const auto slash = f.path.rfind('/');
    folders[slash == std::string::npos ? "." : f.path.substr(0, slash)].push_back(&f);
  }
  json out = json::array();
  for (const auto& [folder, files] : folders) {
    json items = json::array();
    for (std::size_t i = 0; i < files.size() && i < kMaxFilesPerFolder; ++i) {
      const auto slash = files[i]->path.rfind('/');
      const std::string base =
          slash == std::string::npos ? files[i]->path : files[i]->path.substr(slash + 1);
      items.push_back(json{{"text", "[" + md_inline(base) + "](" + link_target(files[i]->path) +
                                        ") (" + human_bytes(files[i]->size) + ")"}});
    }
    if (files.size() > kMaxFilesPerFolder)
      items.push_back(json{{"text", std::to_string(files.size() - kMaxFilesPerFolder) +
                                        " more files in this folder"}});
    out.push_back(json{{"folder", md_inline(folder)}, {"files", items}});
  }
  return out;
}

kainjow::mustache::data to_data(const json& j) {
  using kainjow::mustache::data;
  if (j.is_object()) {
    data d;
    for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
    return d;
  }
  if (j.is_array()) {
    data l(data::type::list);
    for (const auto& v : j) l.push_back(to_data(v));
    return l;
  }
  if (j.is_boolean()) return data(j.get<bool>());
  if (j.is_string()) return data(j.get<std::string>());
  if (j.is_null()) return data(false);
  return data(j.dump());
}

std::string severity_icon(Severity s) {
  switch (s) {
    case Severity::critical:
      return "🛑";
    case Severity::error:
      return "❌";
    case Severity::warning:
      return "⚠️";
    case Severity::info:
      return "ℹ️";
  }
  return "";
}

}  // namespace

std::string md_cell(std::string_view s) {
  std::string in = to_valid_utf8(s);
  std::string out;
  for (char ch : in) {
    switch (ch) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '`':
        out += "\\`";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
      case '\r':
      case '\t':
        out += ' ';
        break;
      default:
        out += ch;
    }
  }
  out = std::string(trim(out));
  if (out.size() > kMaxCellBytes) {
    out = to_valid_utf8(out.substr(0, kMaxCellBytes));
    // Do not leave a dangling escape or half an entity at the cut.
    while (!out.empty() && (out.back() == '\\' || out.back() == '&')) out.pop_back();
    const auto amp = out.rfind('&');
    if (amp != std::string::npos && out.find(';', amp) == std::string::npos) out.resize(amp);
    out += "…";
  }
  return out;
}

std::string md_inline(std::string_view s) {
  std::string in = to_valid_utf8(s);
  std::string out;
  for (char ch : in) {
    switch (ch) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
        out += '\\';
        out += ch;
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

Analysis analyze(const Model& m) {
  Analysis a{m, detect_findings(m), {}, {}, {}, {}, {}, {}};
  a.timeline = build_timeline(m, a.findings);
  a.gantt = build_gantt(m, a.findings);
  a.warnings = group_warning_events(m);
  a.pods = pod_rows(m);
  std::map<Severity, std::size_t> counts;
  for (const auto& f : a.findings) ++counts[f.severity];
  const bool no_clusters = m.clusters.empty();
  const std::size_t bad = counts[Severity::critical] + counts[Severity::error];
  a.status = no_clusters          ? "no-clusters"
             : bad > 0            ? "failures"
             : a.findings.empty() ? "healthy"
                                  : "warnings";
  std::vector<std::string> parts;
  for (Severity s : {Severity::critical, Severity::error, Severity::warning, Severity::info})
    if (counts[s] > 0) parts.push_back(std::to_string(counts[s]) + " " + severity_name(s));
  std::vector<std::string> names;
  for (const auto& [name, c] : m.clusters) names.push_back(name);
  const std::string where = std::to_string(names.size()) +
                            (names.size() == 1 ? " cluster" : " clusters") +
                            (names.empty() ? "" : " (" + join(names, ", ") + ")");
  if (no_clusters) {
    a.verdict = "NO CLUSTERS: no Kind cluster was found to collect from";
  } else if (a.findings.empty()) {
    a.verdict = "HEALTHY: no findings in " + where + ", " + std::to_string(a.pods.size()) + " pods";
  } else {
    a.verdict = std::string(bad > 0 ? "FAILURES" : "WARNINGS") + ": " +
                std::to_string(a.findings.size()) +
                (a.findings.size() == 1 ? " finding (" : " findings (") + join(parts, ", ") +
                ") in " + where + "; top: " + a.findings.front().title;
  }
  return a;
}

json report_json(const Analysis& a) {
  const Model& m = a.model;
  json findings = json::array();
  for (const auto& f : a.findings) findings.push_back(finding_json(f));
  json pods = json::array();
  for (const auto& p : a.pods)
    pods.push_back(json{{"cluster", p.cluster},
                        {"namespace", p.ns},
                        {"name", p.name},
                        {"phase", p.phase},
                        {"ready", p.ready},
                        {"restarts", p.restarts},
                        {"reason", p.reason},
                        {"node", p.node},
                        {"age", p.age}});
  json timeline = json::array();
  for (const auto& e : a.timeline) {
    json j{{"time", format_rfc3339(e.time)},
           {"source", e.source},
           {"level", e.level},
           {"cluster", e.cluster},
           {"object", e.object},
           {"what", e.what},
           {"count", e.count}};
    if (e.last) j["last"] = format_rfc3339(*e.last);
    timeline.push_back(std::move(j));
  }
  json sigs = json::array();
  for (const Signature* s : sorted_signatures(m))
    sigs.push_back(json{{"signature", s->signature},
                        {"count", s->count},
                        {"pods", std::vector<std::string>(s->pods.begin(), s->pods.end())},
                        {"first_seen", opt_time(s->first_seen)},
                        {"last_seen", opt_time(s->last_seen)},
                        {"sample", s->sample}});
  json warnings = json::array();
  for (const auto& w : a.warnings)
    warnings.push_back(
        json{{"cluster", w.cluster},
             {"reason", w.reason},
             {"kind", w.kind},
             {"count", w.count},
             {"objects", std::vector<std::string>(w.objects.begin(), w.objects.end())},
             {"sample", w.sample}});
  json services = json::array();
  for (const auto& [svc, ids] : m.traces.services_traces)
    services.push_back(json{{"service", svc}, {"traces", ids.size()}});
  json spans = json::array();
  for (const SpanInfo* s : sorted_error_spans(m))
    spans.push_back(json{{"trace_id", s->trace_id},
                         {"span_id", s->span_id},
                         {"service", s->service},
                         {"operation", s->operation},
                         {"message", s->message},
                         {"time", format_rfc3339(s->start)},
                         {"duration_us", s->duration_us}});
  json slow = json::array();
  for (const TraceInfo* t : slowest_traces(m))
    slow.push_back(json{{"trace_id", t->trace_id},
                        {"root_service", t->root_service},
                        {"root_operation", t->root_operation},
                        {"start", format_rfc3339(t->start)},
                        {"duration_us", t->duration_us},
                        {"spans", t->spans},
                        {"error_spans", t->error_spans},
                        {"file", t->source}});
  const TestCounts tc = count_tests(m.tests);
  json failed_tests = json::array();
  for (const auto& t : m.tests.cases)
    if (t.status == "failed" || t.status == "error")
      failed_tests.push_back(json{{"suite", t.suite},
                                  {"name", t.name},
                                  {"classname", t.classname},
                                  {"status", t.status},
                                  {"message", t.message},
                                  {"time", opt_time(t.time)},
                                  {"seconds", t.seconds},
                                  {"file", t.file}});
  std::map<std::string, std::size_t> sev;
  for (const auto& f : a.findings) ++sev[severity_name(f.severity)];
  json files = json::array();
  for (const auto& f : m.files) files.push_back(json{{"path", f.path}, {"bytes", f.size}});
  return json{{"schema_version", 1},
              {"verdict", a.verdict},
              {"status", a.status},
              {"finding_count", a.findings.size()},
              {"severity_counts", sev},
              {"collected",
               {{"started_at", str(m.manifest, "started_at")},
                {"finished_at", str(m.manifest, "finished_at")},
                {"tool", at_path(m.manifest, {"tool"})}}},
              {"findings", findings},
              {"clusters", cluster_rows(a, false)},
              {"pods", pods},
              {"timeline", timeline},
              {"signatures", sigs},
              {"warning_events", warnings},
              {"traces", {{"services", services}, {"error_spans", spans}, {"slowest", slow}}},
              {"tests",
               {{"passed", tc.passed},
                {"failed", tc.failed},
                {"skipped", tc.skipped},
                {"files", m.tests.files},
                {"failed_cases", failed_tests}}},
              {"collection", collection_json(m)},
              {"files", files}};
}

json markdown_view(const Analysis& a) {
  const Model& m = a.model;
  const json rj = report_json(a);
  json v;
  v["verdict"] = md_inline(a.verdict);
  v["status"] = a.status;
  const json& tool = at_path(m.manifest, {"tool"});
  v["collected"] =
      md_inline(str(m.manifest, "started_at") + " to " + str(m.manifest, "finished_at") + " by " +
                str(tool, "name") + " " + str(tool, "version"));
  v["command_line"] = md_cell(str(m.manifest, "command_line"));

  json findings = json::array();
  std::size_t n = 0;
  for (const auto& f : a.findings) {
    json ev = json::array();
    for (const auto& line : f.evidence) ev.push_back(json{{"line", code_block_line(line)}});
    ++n;
    findings.push_back(json{{"n", std::to_string(n)},
                            {"severity", severity_name(f.severity)},
                            {"icon", severity_icon(f.severity)},
                            {"title", md_inline(f.title)},
                            {"title_cell", md_cell(f.title)},
                            {"object", md_inline(f.object.display())},
                            {"object_cell", md_cell(f.object.display())},
                            {"id", md_inline(f.id)},
                            {"evidence", ev},
                            {"has_evidence", !ev.empty()},
                            {"cause", md_inline(f.cause)},
                            {"next_step", md_inline(f.next_step)}});
  }
  v["findings"] = findings;
  v["has_findings"] = !findings.empty();
  // The step summary shows the top of the list; REPORT.md has the rest.
  json top = json::array();
  for (std::size_t i = 0; i < findings.size() && i < kMaxSummaryFindings; ++i)
    top.push_back(findings[i]);
  v["top_findings"] = top;
  v["top_findings_more"] = more_line(top.size(), findings.size(), "REPORT.md");
  v["clusters"] = cluster_rows(a, true);
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
  const std::string gantt = gantt_text(a.gantt, m.clusters.size() > 1);
  v["gantt"] = gantt;
  v["has_gantt"] = !gantt.empty();
  v["gantt_more"] = more_line(std::min(a.gantt.size(), kMaxGanttBars), a.gantt.size(),
                              "the pod table in report.json");

  const auto sigs = sorted_signatures(m);
  json srows = json::array();
  for (std::size_t i = 0; i < sigs.size() && i < kMaxSignatureRows; ++i) {
    const Signature& s = *sigs[i];
    std::vector<std::string> pods_list(s.pods.begin(), s.pods.end());
    std::string pods_text = pods_list.size() > 3
                                ? join({pods_list.begin(), pods_list.begin() + 3}, ", ") + " +" +
                                      std::to_string(pods_list.size() - 3)
                                : join(pods_list, ", ");
    srows.push_back(json{{"count", std::to_string(s.count)},
                         {"signature", md_cell(shorten(s.signature, 160))},
                         {"pods", md_cell(pods_text)},
                         {"first_seen", opt_time(s.first_seen)},
                         {"last_seen", opt_time(s.last_seen)},
                         {"sample", md_cell(shorten(s.sample, 200))}});
  }
  v["signatures"] = srows;
  v["has_signatures"] = !srows.empty();
  v["signatures_more"] = more_line(srows.size(), sigs.size(), "report.json (signatures)");

  json wrows = json::array();
  for (std::size_t i = 0; i < a.warnings.size() && i < kMaxWarningRows; ++i) {
    const WarningGroup& w = a.warnings[i];
    wrows.push_back(json{{"cluster", md_cell(w.cluster)},
                         {"reason", md_cell(w.reason)},
                         {"kind", md_cell(w.kind)},
                         {"count", std::to_string(w.count)},
                         {"objects", std::to_string(w.objects.size())},
                         {"sample", md_cell(shorten(w.sample, 200))}});
  }
  v["warnings"] = wrows;
  v["has_warnings"] = !wrows.empty();
  v["warnings_more"] = more_line(wrows.size(), a.warnings.size(), "report.json (warning_events)");

  json services = json::array();
  for (const auto& s : rj["traces"]["services"])
    services.push_back(json{{"service", md_cell(s["service"].get<std::string>())},
                            {"traces", s["traces"].dump()}});
  v["services"] = services;
  v["has_traces"] = !services.empty();
  const auto spans = sorted_error_spans(m);
  json span_rows = json::array();
  for (std::size_t i = 0; i < spans.size() && i < kMaxSpanRows; ++i)
    span_rows.push_back(json{{"time", format_rfc3339(spans[i]->start)},
                             {"service", md_cell(spans[i]->service)},
                             {"operation", md_cell(spans[i]->operation)},
                             {"message", md_cell(shorten(spans[i]->message, 200))},
                             {"trace", md_cell(spans[i]->trace_id)}});
  v["error_spans"] = span_rows;
  v["has_error_spans"] = !span_rows.empty();
  v["error_spans_more"] = more_line(span_rows.size(), spans.size(), "report.json (traces)");
  json slow = json::array();
  for (const TraceInfo* t : slowest_traces(m))
    slow.push_back(json{{"trace", md_cell(t->trace_id)},
                        {"root", md_cell(t->root_service + ": " + t->root_operation)},
                        {"start", format_rfc3339(t->start)},
                        {"duration", duration_ms(t->duration_us)},
                        {"spans", std::to_string(t->spans)},
                        {"errors", std::to_string(t->error_spans)}});
  v["slowest"] = slow;

  const json& tests = rj["tests"];
  v["has_tests"] = !m.tests.files.empty();
  v["tests_passed"] = tests["passed"].dump();
  v["tests_failed"] = tests["failed"].dump();
  v["tests_skipped"] = tests["skipped"].dump();
  json trows = json::array();
  for (std::size_t i = 0; i < tests["failed_cases"].size() && i < kMaxTestRows; ++i) {
    const json& t = tests["failed_cases"][i];
    trows.push_back(json{{"suite", md_cell(t["suite"].get<std::string>())},
                         {"name", md_cell(t["name"].get<std::string>())},
                         {"message", md_cell(shorten(t["message"].get<std::string>(), 200))},
                         {"time", t["time"]}});
  }
  v["failed_tests"] = trows;
  v["has_failed_tests"] = !trows.empty();
  v["failed_tests_more"] =
      more_line(trows.size(), tests["failed_cases"].size(), "report.json (tests)");

  const json& col = rj["collection"];
  v["partial"] = col["partial"];
  v["redaction"] =
      col["redaction_enabled"].get<bool>()
          ? "Redaction was on: " + col["redaction_masked"].dump() + " values were masked."
          : std::string("Redaction was off.");
  json frows = json::array();
  for (std::size_t i = 0; i < col["failures"].size() && i < kMaxFailureRows; ++i) {
    const json& f = col["failures"][i];
    frows.push_back(json{
        {"cluster", md_cell(f["cluster"].get<std::string>())},
        {"collector", md_cell(f["collector"].get<std::string>())},
        {"request", md_cell(f["method"].get<std::string>() + " " + f["path"].get<std::string>())},
        {"status", f["status"].dump()},
        {"message", md_cell(shorten(f["message"].get<std::string>(), 200))}});
  }
  v["failures"] = frows;
  v["has_failures"] = !frows.empty();
  v["failures_more"] = more_line(frows.size(), col["failures"].size(), "manifest.json");
  json notes = json::array();
  for (const auto& note : col["notes"])
    notes.push_back(json{{"text", md_inline(note.get<std::string>())}});
  for (const auto& e : col["load_errors"])
    notes.push_back(json{{"text", md_inline("could not read " + e.get<std::string>())}});
  for (const auto& e : col["test_parse_errors"])
    notes.push_back(json{{"text", md_inline("could not parse " + e.get<std::string>())}});
  v["notes"] = notes;
  v["index"] = index_view(m);
  return v;
}

std::string render_template(const std::string& tmpl, const json& view, const std::string& name) {
  kainjow::mustache::mustache t(tmpl);
  if (!t.is_valid()) throw Error("template " + name + ": " + t.error_message());
  // Values are escaped for Markdown before they reach the template; no HTML escaping on top.
  t.set_custom_escape([](const std::string& s) { return s; });
  std::string out = t.render(to_data(view));
  if (!t.is_valid()) throw Error("template " + name + ": " + t.error_message());
  // Empty sections leave blank lines behind; more than one in a row carries no meaning.
  std::size_t pos;
  while ((pos = out.find("\n\n\n")) != std::string::npos) out.erase(pos, 1);
  return to_valid_utf8(out);
}

}  // namespace kmg::report
