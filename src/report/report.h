// `kind-must-gather report`: turns a written bundle (folder or archive) into REPORT.md,
// report.json, a GitHub step summary and workflow annotations. Deterministic: every time comes
// from the bundle (the manifest's finished_at is "now"), so re-running on the same bundle gives
// byte-identical output.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kmg::report {

struct ReportSettings {
  // Folder holding REPORT.md.mustache and/or github-summary.md.mustache; empty, or a missing
  // file, means the copy compiled into the binary.
  std::string template_dir;
};

struct ReportOutput {
  std::string markdown;                  // REPORT.md
  std::string json;                      // report.json
  std::string github_summary;            // for $GITHUB_STEP_SUMMARY
  std::vector<std::string> annotations;  // "::error title=...::message", at most 10
  std::size_t finding_count = 0;
  std::string verdict;  // one line, e.g. "3 findings (1 critical, 2 error) in 1 cluster"
  // "healthy", "warnings" (only warning/info findings), "failures", or "no-clusters".
  std::string status;
};

// Reads the bundle once (REPORT.md and report.json inside it are ignored) and renders it.
// Throws kmg::Error if the bundle cannot be read or a template does not parse.
ReportOutput build_report(const std::string& bundle_path, const ReportSettings& settings);

}  // namespace kmg::report
