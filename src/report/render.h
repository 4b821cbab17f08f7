// Turning the analysis into report.json, the mustache view and the rendered Markdown.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/analysis.h"

namespace kmg::report {

struct Analysis {
  const Model& model;
  std::vector<Finding> findings;
  std::vector<TimelineEntry> timeline;
  std::vector<GanttBar> gantt;
  std::vector<WarningGroup> warnings;
  std::vector<PodRow> pods;
  std::string verdict;
  std::string status;
};

Analysis analyze(const Model& m);

nlohmann::json report_json(const Analysis& a);
// Everything the templates show, already escaped for Markdown.
nlohmann::json markdown_view(const Analysis& a);
// Renders `tmpl` (named for error messages) with `view`; throws kmg::Error on a template error.
std::string render_template(const std::string& tmpl, const nlohmann::json& view,
                            const std::string& name);

// A Markdown table cell: | < > ` escaped, newlines folded, valid UTF-8.
std::string md_cell(std::string_view s);
// Inline Markdown text outside tables (titles, causes).
std::string md_inline(std::string_view s);

// github.cpp: "::error title=...::message" lines (at most 10), GitHub's escaping.
std::vector<std::string> github_annotations(const Analysis& a);
std::string annotation_data(std::string_view s);
std::string annotation_property(std::string_view s);

}  // namespace kmg::report
