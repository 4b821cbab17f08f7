// report.json: the Analysis for machines and agents, including the cause graph (findings as
// nodes, cause -> effect edges, failed tests attached to the findings that explain them).
#include "report/report_json.h"

#include <map>

#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

std::string opt_time(const std::optional<EpochNanos>& t) { return t ? format_rfc3339(*t) : ""; }

json object_json(const ObjectRef& o) {
  return json{{"cluster", o.cluster}, {"namespace", o.ns}, {"kind", o.kind}, {"name", o.name}};
}

json finding_json(const Finding& f) {
  json depends = json::array();
  for (const auto& o : f.depends_on) depends.push_back(object_json(o));
  return json{{"id", f.id},
              {"detector", f.detector},
              {"severity", severity_name(f.severity)},
              {"title", f.title},
              {"object", object_json(f.object)},
              {"evidence", f.evidence},
              {"likely_cause", f.cause},
              {"next_step", f.next_step},
              {"pods", f.pods},
              {"root_cause", f.root_cause},
              {"depends_on", depends},
              {"caused_by", f.caused_by},
              {"effects", f.effects}};
}

json ids_of(const Analysis& a, const std::vector<std::size_t>& indexes) {
  json out = json::array();
  for (std::size_t i : indexes) out.push_back(a.findings[i].id);
  return out;
}

json test_json(const Analysis& a, const TestLink& l) {
  const TestCase& t = *l.test;
  return json{{"suite", t.suite},
              {"name", t.name},
              {"classname", t.classname},
              {"status", t.status},
              {"message", t.message},
              {"time", opt_time(t.time)},
              {"seconds", t.seconds},
              {"file", t.file},
              {"explained_by", ids_of(a, l.findings)},
              {"root_causes", ids_of(a, l.roots)},
              {"looked_at", l.looked_at}};
}

// Findings as nodes, cause -> effect edges, root causes with what each explains, and the failed
// tests attached to the findings that explain them.
json graph_json(const Analysis& a) {
  json nodes = json::array(), edges = json::array(), roots = json::array();
  for (const auto& f : a.findings) {
    nodes.push_back(json{{"id", f.id},
                         {"title", f.title},
                         {"severity", severity_name(f.severity)},
                         {"root_cause", f.root_cause}});
    for (const auto& e : f.effects) edges.push_back(json{{"cause", f.id}, {"effect", e}});
  }
  for (const auto& r : a.roots) {
    json tests = json::array();
    for (const auto& l : a.failed_tests)
      if (std::find(l.roots.begin(), l.roots.end(), r.finding) != l.roots.end())
        tests.push_back(l.test->name);
    roots.push_back(json{{"id", a.findings[r.finding].id},
                         {"explains", ids_of(a, r.explains)},
                         {"failed_tests", tests}});
  }
  return json{{"nodes", nodes}, {"edges", edges}, {"root_causes", roots}};
}

json pods_json(const Analysis& a) {
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
  return pods;
}

json timeline_json(const Analysis& a) {
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
  return timeline;
}

json signatures_json(const Analysis& a) {
  json sigs = json::array();
  for (const Signature* s : a.signatures)
    sigs.push_back(json{{"signature", s->signature},
                        {"count", s->count},
                        {"pods", std::vector<std::string>(s->pods.begin(), s->pods.end())},
                        {"first_seen", opt_time(s->first_seen)},
                        {"last_seen", opt_time(s->last_seen)},
                        {"sample", s->sample}});
  return sigs;
}

json warnings_json(const Analysis& a) {
  json warnings = json::array();
  for (const auto& w : a.warnings)
    warnings.push_back(
        json{{"cluster", w.cluster},
             {"reason", w.reason},
             {"kind", w.kind},
             {"count", w.count},
             {"objects", std::vector<std::string>(w.objects.begin(), w.objects.end())},
             {"sample", w.sample}});
  return warnings;
}

json traces_json(const Analysis& a) {
  json services = json::array();
  for (const auto& [svc, ids] : a.model.traces.services_traces)
    services.push_back(json{{"service", svc}, {"traces", ids.size()}});
  json spans = json::array();
  for (const SpanInfo* s : a.error_spans)
    spans.push_back(json{{"trace_id", s->trace_id},
                         {"span_id", s->span_id},
                         {"service", s->service},
                         {"operation", s->operation},
                         {"message", s->message},
                         {"time", format_rfc3339(s->start)},
                         {"duration_us", s->duration_us}});
  json slow = json::array();
  for (const TraceInfo* t : a.slowest)
    slow.push_back(json{{"trace_id", t->trace_id},
                        {"root_service", t->root_service},
                        {"root_operation", t->root_operation},
                        {"start", format_rfc3339(t->start)},
                        {"duration_us", t->duration_us},
                        {"spans", t->spans},
                        {"error_spans", t->error_spans},
                        {"file", t->source}});
  return json{{"services", services}, {"error_spans", spans}, {"slowest", slow}};
}

json tests_json(const Analysis& a) {
  json failed = json::array();
  for (const auto& l : a.failed_tests) failed.push_back(test_json(a, l));
  return json{{"passed", a.test_counts.passed},
              {"failed", a.test_counts.failed},
              {"skipped", a.test_counts.skipped},
              {"files", a.model.tests.files},
              {"failed_cases", failed}};
}

json clusters_json(const Analysis& a) {
  json rows = json::array();
  for (const auto& r : a.clusters)
    rows.push_back(json{{"name", r.name},
                        {"provider", r.provider},
                        {"version", r.version},
                        {"reachable", r.reachable},
                        {"nodes", r.nodes},
                        {"pods", r.pods},
                        {"findings", r.findings}});
  return rows;
}

json collection_json(const Analysis& a) {
  json failures = json::array();
  for (const auto& f : a.collection.failures)
    failures.push_back(json{{"cluster", f.cluster},
                            {"collector", f.collector},
                            {"method", f.method},
                            {"path", f.path},
                            {"status", f.status},
                            {"message", f.message}});
  return json{{"partial", a.collection.partial},
              {"redaction_enabled", a.collection.redaction_enabled},
              {"redaction_masked", a.collection.redaction_masked},
              {"failures", failures},
              {"notes", a.collection.notes},
              {"load_errors", a.model.load_errors},
              {"test_parse_errors", a.model.tests.parse_errors}};
}

}  // namespace

json report_json(const Analysis& a) {
  const Model& m = a.model;
  json findings = json::array();
  for (const auto& f : a.findings) findings.push_back(finding_json(f));
  std::map<std::string, std::size_t> sev;
  for (const auto& f : a.findings) ++sev[severity_name(f.severity)];
  json files = json::array();
  for (const auto& f : m.files) files.push_back(json{{"path", f.path}, {"bytes", f.size}});
  return json{{"schema_version", 2},
              {"verdict", a.verdict},
              {"status", a.status},
              {"finding_count", a.findings.size()},
              {"severity_counts", sev},
              {"collected",
               {{"started_at", str(m.manifest, "started_at")},
                {"finished_at", str(m.manifest, "finished_at")},
                {"tool", at_path(m.manifest, {"tool"})}}},
              {"findings", findings},
              {"graph", graph_json(a)},
              {"clusters", clusters_json(a)},
              {"pods", pods_json(a)},
              {"timeline", timeline_json(a)},
              {"signatures", signatures_json(a)},
              {"warning_events", warnings_json(a)},
              {"traces", traces_json(a)},
              {"tests", tests_json(a)},
              {"collection", collection_json(a)},
              {"files", files}};
}

}  // namespace kmg::report
