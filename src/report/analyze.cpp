// Builds the Analysis once: findings and their cause graph, failed tests linked to them, the
// timeline and tables, what the collection says about itself, and the verdict.
#include "report/analyze.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kRootsInVerdict = 3;

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

std::vector<ClusterRow> cluster_rows(const Model& m, const std::vector<Finding>& findings) {
  std::vector<ClusterRow> rows;
  for (const auto& [name, c] : m.clusters) {
    ClusterRow r;
    r.name = name;
    r.provider = str(c.info, "provider");
    r.version = str(c.version, "gitVersion");
    if (r.version.empty()) r.version = str(c.info, "server_version");
    const json& reach = at_path(c.info, {"reachable"});
    r.reachable = reach.is_boolean() ? (reach.get<bool>() ? "yes" : "no") : "?";
    r.nodes = c.items("nodes").empty() && at_path(c.info, {"nodes"}).is_array()
                  ? at_path(c.info, {"nodes"}).size()
                  : c.items("nodes").size();
    r.pods = c.items("pods").size();
    for (const auto& f : findings)
      if (f.object.cluster == name) ++r.findings;
    rows.push_back(std::move(r));
  }
  return rows;
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

// How many failed tests each root cause explains.
std::map<std::size_t, std::size_t> tests_per_root(const std::vector<TestLink>& links) {
  std::map<std::size_t, std::size_t> out;
  for (const auto& l : links)
    for (std::size_t r : l.roots) ++out[r];
  return out;
}

// Root causes that explain most (findings and tests together) come first.
void rank_roots(std::vector<RootCause>& roots, const std::vector<TestLink>& links) {
  const auto tests = tests_per_root(links);
  auto weight = [&](const RootCause& r) {
    auto it = tests.find(r.finding);
    return r.explains.size() + (it == tests.end() ? 0 : it->second);
  };
  std::stable_sort(roots.begin(), roots.end(),
                   [&](const RootCause& a, const RootCause& b) { return weight(a) > weight(b); });
}

std::string verdict_line(const Analysis& a) {
  const Model& m = a.model;
  std::vector<std::string> names;
  for (const auto& [name, c] : m.clusters) names.push_back(name);
  const std::string where = std::to_string(names.size()) +
                            (names.size() == 1 ? " cluster" : " clusters") +
                            (names.empty() ? "" : " (" + join(names, ", ") + ")");
  if (m.clusters.empty()) return "NO CLUSTERS: no Kind cluster was found to collect from";
  if (a.findings.empty())
    return "HEALTHY: no findings in " + where + ", " + std::to_string(a.pods.size()) + " pods";
  std::map<Severity, std::size_t> counts;
  for (const auto& f : a.findings) ++counts[f.severity];
  std::vector<std::string> parts;
  for (Severity s : {Severity::critical, Severity::error, Severity::warning, Severity::info})
    if (counts[s] > 0) parts.push_back(std::to_string(counts[s]) + " " + severity_name(s));
  std::size_t explained_tests = 0;
  for (const auto& t : a.failed_tests) explained_tests += t.roots.empty() ? 0 : 1;
  std::string tests;
  if (!a.failed_tests.empty())
    tests = " and " +
            (explained_tests == a.failed_tests.size() ? std::to_string(explained_tests)
                                                      : std::to_string(explained_tests) + " of " +
                                                            std::to_string(a.failed_tests.size())) +
            (a.failed_tests.size() == 1 ? " failed test" : " failed tests");
  const auto per_root = tests_per_root(a.failed_tests);
  std::vector<std::string> top;
  for (std::size_t i = 0; i < a.roots.size() && i < kRootsInVerdict; ++i) {
    const RootCause& r = a.roots[i];
    auto it = per_root.find(r.finding);
    const std::size_t t = it == per_root.end() ? 0 : it->second;
    std::string what;
    if (!r.explains.empty())
      what = "+" + std::to_string(r.explains.size()) +
             (r.explains.size() == 1 ? " finding" : " findings");
    if (t > 0)
      what += (what.empty() ? "" : ", ") + std::to_string(t) + (t == 1 ? " test" : " tests");
    top.push_back(a.findings[r.finding].title + (what.empty() ? "" : " (" + what + ")"));
  }
  if (a.roots.size() > kRootsInVerdict)
    top.push_back(std::to_string(a.roots.size() - kRootsInVerdict) + " more");
  const std::string n_roots =
      std::to_string(a.roots.size()) +
      (a.roots.size() == 1 ? " root cause explains " : " root causes explain ");
  return std::string(a.status == "failures" ? "FAILURES" : "WARNINGS") + " in " + where + ": " +
         n_roots + std::to_string(a.findings.size()) +
         (a.findings.size() == 1 ? " finding (" : " findings (") + join(parts, ", ") + ")" + tests +
         ": " + join(top, "; ");
}

}  // namespace

Analysis analyze(const Model& m) {
  Analysis a{m, detect_findings(m)};
  a.roots = link_causes(m, a.findings);
  a.failed_tests = explain_tests(m, a.findings);
  rank_roots(a.roots, a.failed_tests);
  a.test_counts = count_tests(m.tests);
  a.timeline = build_timeline(m, a.findings);
  a.gantt = build_gantt(m, a.findings);
  a.warnings = group_warning_events(m);
  a.pods = pod_rows(m);
  a.clusters = cluster_rows(m, a.findings);
  a.signatures = sorted_signatures(m);
  a.error_spans = sorted_error_spans(m);
  a.slowest = slowest_traces(m);
  a.collection = collection_info(m);
  std::size_t bad = 0;
  for (const auto& f : a.findings) bad += f.severity <= Severity::error ? 1 : 0;
  a.status = m.clusters.empty()   ? "no-clusters"
             : bad > 0            ? "failures"
             : a.findings.empty() ? "healthy"
                                  : "warnings";
  a.verdict = verdict_line(a);
  return a;
}

}  // namespace kmg::report
