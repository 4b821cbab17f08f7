// The Root causes section: each root cause with the chain of what it explains down to the failed
// tests, as a nested list and as a Mermaid flowchart (GitHub renders it).
#include <algorithm>
#include <map>
#include <set>

#include "report/render.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxChartNodes = 40;
constexpr std::size_t kMaxLabel = 70;

struct Graph {
  const Analysis& a;
  std::map<std::string, std::size_t> number;       // finding id -> rank index
  std::vector<std::vector<std::size_t>> tests_on;  // finding -> failed tests linked to it
};

Graph make_graph(const Analysis& a) {
  Graph g{a, {}, std::vector<std::vector<std::size_t>>(a.findings.size())};
  for (std::size_t i = 0; i < a.findings.size(); ++i) g.number[a.findings[i].id] = i;
  for (std::size_t t = 0; t < a.failed_tests.size(); ++t)
    for (std::size_t f : a.failed_tests[t].findings) g.tests_on[f].push_back(t);
  return g;
}

std::string finding_text(const Analysis& a, std::size_t i) {
  return "#" + std::to_string(i + 1) + " " + a.findings[i].title;
}

// Depth-first from a root: each finding once, its tests under it.
void chain(const Graph& g, std::size_t i, std::size_t depth, std::set<std::size_t>& seen,
           std::set<std::size_t>& tests_seen, json& out) {
  const std::string indent(3 + 2 * depth, ' ');
  for (std::size_t t : g.tests_on[i])
    if (tests_seen.insert(t).second)
      out.push_back(json{
          {"line", indent + "- 🧪 failed test: " + md_inline(g.a.failed_tests[t].test->name)}});
  for (const auto& id : g.a.findings[i].effects) {
    auto it = g.number.find(id);
    if (it == g.number.end() || !seen.insert(it->second).second) continue;
    const Finding& f = g.a.findings[it->second];
    out.push_back(json{{"line", indent + "- " + severity_icon(f.severity) + " " +
                                    md_inline(finding_text(g.a, it->second))}});
    chain(g, it->second, depth + 1, seen, tests_seen, out);
  }
}

std::string mermaid_label(const std::string& s) {
  std::string out;
  for (char ch : shorten(s, kMaxLabel)) out += ch == '"' ? '\'' : (ch == '\n' ? ' ' : ch);
  return "\"" + out + "\"";
}

// Nodes F<n> for findings, T<n> for failed tests; edges cause --> effect --> test.
std::string flowchart(const Graph& g) {
  const Analysis& a = g.a;
  std::set<std::size_t> shown;
  for (std::size_t i = 0; i < a.findings.size() && shown.size() < kMaxChartNodes; ++i)
    if (!a.findings[i].effects.empty() || !a.findings[i].caused_by.empty() ||
        !g.tests_on[i].empty())
      shown.insert(i);
  if (shown.empty()) return "";
  std::string out = "flowchart LR\n";
  for (std::size_t i : shown)
    out += "  F" + std::to_string(i + 1) + "[" + mermaid_label(finding_text(a, i)) + "]" +
           (a.findings[i].root_cause ? ":::root" : "") + "\n";
  for (std::size_t i : shown)
    for (const auto& id : a.findings[i].effects)
      if (auto it = g.number.find(id); it != g.number.end() && shown.count(it->second))
        out += "  F" + std::to_string(i + 1) + " --> F" + std::to_string(it->second + 1) + "\n";
  for (std::size_t t = 0; t < a.failed_tests.size(); ++t) {
    const auto& linked = a.failed_tests[t].findings;
    if (std::none_of(linked.begin(), linked.end(), [&](std::size_t f) { return shown.count(f); }))
      continue;
    out += "  T" + std::to_string(t + 1) + "([" +
           mermaid_label("test: " + a.failed_tests[t].test->name) + "])\n";
    for (std::size_t f : linked)
      if (shown.count(f))
        out += "  F" + std::to_string(f + 1) + " --> T" + std::to_string(t + 1) + "\n";
  }
  return out + "  classDef root stroke-width:3px\n";
}

}  // namespace

void view_root_causes(const Analysis& a, json& v) {
  const Graph g = make_graph(a);
  json roots = json::array();
  std::size_t n = 0;
  for (const auto& r : a.roots) {
    std::set<std::size_t> seen{r.finding}, tests_seen;
    json lines = json::array();
    chain(g, r.finding, 0, seen, tests_seen, lines);
    const Finding& f = a.findings[r.finding];
    roots.push_back(json{{"n", std::to_string(++n)},
                         {"icon", severity_icon(f.severity)},
                         {"title", md_inline(f.title)},
                         {"finding", std::to_string(r.finding + 1)},
                         {"chain", lines}});
  }
  v["root_causes"] = roots;
  v["has_root_causes"] = !roots.empty();
  const std::string chart = flowchart(g);
  v["causes_chart"] = chart;
  v["has_causes_chart"] = !chart.empty();
}

}  // namespace kmg::report
