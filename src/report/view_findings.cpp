// The Findings section: a table, then each finding with its cause, next step, evidence and
// where it sits in the cause graph.
#include <map>

#include "report/render.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSummaryFindings = 10;

// "#3 Deployment api exceeded its progress deadline; #5 ..." for the ids, by rank number.
std::string related(const std::map<std::string, std::size_t>& number, const Analysis& a,
                    const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    auto it = number.find(id);
    if (it != number.end())
      out.push_back("#" + std::to_string(it->second + 1) + " " + a.findings[it->second].title);
  }
  return md_inline(join(out, "; "));
}

}  // namespace

void view_findings(const Analysis& a, json& v) {
  std::map<std::string, std::size_t> number;
  for (std::size_t i = 0; i < a.findings.size(); ++i) number[a.findings[i].id] = i;
  json findings = json::array();
  for (std::size_t i = 0; i < a.findings.size(); ++i) {
    const Finding& f = a.findings[i];
    json ev = json::array();
    for (const auto& line : f.evidence) ev.push_back(json{{"line", code_block_line(line)}});
    const std::string caused_by = related(number, a, f.caused_by);
    const std::string effects = related(number, a, f.effects);
    findings.push_back(json{{"n", std::to_string(i + 1)},
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
                            {"next_step", md_inline(f.next_step)},
                            {"role", f.root_cause ? "root cause" : "effect"},
                            {"caused_by", caused_by},
                            {"has_caused_by", !caused_by.empty()},
                            {"effects", effects},
                            {"has_effects", !effects.empty()}});
  }
  v["findings"] = findings;
  v["has_findings"] = !findings.empty();
  // The step summary shows the top of the list; REPORT.md has the rest.
  json top = json::array();
  for (std::size_t i = 0; i < findings.size() && i < kMaxSummaryFindings; ++i)
    top.push_back(findings[i]);
  v["top_findings"] = top;
  v["top_findings_more"] = more_line(top.size(), findings.size(), "REPORT.md");
}

}  // namespace kmg::report
