#include "report/report.h"

#include <fstream>
#include <sstream>

#include "report/embedded_templates.h"
#include "report/model.h"
#include "report/render.h"
#include "report/report_json.h"

namespace kmg::report {
namespace {

// A template from the override folder when it has one, else the copy built into the binary.
std::string load_template(const ReportSettings& s, const std::string& name,
                          std::string_view builtin) {
  if (!s.template_dir.empty()) {
    std::ifstream in(s.template_dir + "/" + name, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
  }
  return std::string(builtin);
}

}  // namespace

ReportOutput build_report(const std::string& bundle_path, const ReportSettings& settings) {
  const Model model = load_model(bundle_path);
  const Analysis a = analyze(model);
  ReportOutput out;
  // Input JSON is valid UTF-8 and log text is cleaned on read; replace is the last safety net.
  out.json = report_json(a).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const nlohmann::json view = markdown_view(a);
  out.markdown =
      render_template(load_template(settings, "REPORT.md.mustache", templates::kReportMd), view,
                      "REPORT.md.mustache");
  out.github_summary = render_template(
      load_template(settings, "github-summary.md.mustache", templates::kGithubSummaryMd), view,
      "github-summary.md.mustache");
  out.annotations = github_annotations(a);
  out.finding_count = a.findings.size();
  out.verdict = a.verdict;
  out.status = a.status;
  return out;
}

}  // namespace kmg::report
