// The Markdown side of the report: the mustache view of an Analysis (one function per section,
// view_*.cpp), the escaping it needs, and GitHub annotations.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/analyze.h"

namespace kmg::report {

// Everything the templates show, already escaped for Markdown.
nlohmann::json markdown_view(const Analysis& a);
// Renders `tmpl` (named for error messages) with `view`; throws kmg::Error on a template error.
std::string render_template(const std::string& tmpl, const nlohmann::json& view,
                            const std::string& name);

// A Markdown table cell: | < > ` escaped, newlines folded, valid UTF-8.
std::string md_cell(std::string_view s);
// Inline Markdown text outside tables (titles, causes).
std::string md_inline(std::string_view s);

// Helpers of the view sections (markdown.cpp).
std::string opt_time(const std::optional<EpochNanos>& t);
std::string shorten(std::string s, std::size_t max);
// A line inside a ```text block that cannot end the block early.
std::string code_block_line(const std::string& s);
// A bundle path as a relative link target, each segment URL-encoded.
std::string link_target(const std::string& path);
// "N more: see WHERE", or false when everything was shown.
nlohmann::json more_line(std::size_t shown, std::size_t total, const std::string& where);
std::string severity_icon(Severity s);

// The sections of the view, each filling its keys of `v`.
void view_findings(const Analysis& a, nlohmann::json& v);     // view_findings.cpp
void view_root_causes(const Analysis& a, nlohmann::json& v);  // view_causes.cpp
void view_cluster(const Analysis& a, nlohmann::json& v);      // view_cluster.cpp: clusters, pods
void view_timeline(const Analysis& a, nlohmann::json& v);     // view_cluster.cpp
void view_evidence(const Analysis& a, nlohmann::json& v);     // view_evidence.cpp: logs, events
void view_traces(const Analysis& a, nlohmann::json& v);       // view_evidence.cpp
void view_tests(const Analysis& a, nlohmann::json& v);        // view_tests.cpp
void view_collection(const Analysis& a, nlohmann::json& v);   // view_tests.cpp, with the index

// github.cpp: "::error title=...::message" lines (at most 10), GitHub's escaping.
std::vector<std::string> github_annotations(const Analysis& a);
std::string annotation_data(std::string_view s);
std::string annotation_property(std::string_view s);

}  // namespace kmg::report
