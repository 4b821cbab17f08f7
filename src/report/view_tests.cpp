// The Tests section (each failed test with what explains it), the collection notes and the
// index of the bundle's files.
#include <map>

#include "report/render.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTestRows = 30;
constexpr std::size_t kMaxFailureRows = 30;
constexpr std::size_t kMaxFilesPerFolder = 15;

// "#1 Image x is not loaded (root cause), via #3" or "unexplained (looked at: ...)".
std::string explanation(const Analysis& a, const TestLink& l) {
  if (l.roots.empty())
    return l.looked_at.empty() ? "unexplained: it names no object"
                               : "unexplained; looked at " + join(l.looked_at, ", ");
  std::vector<std::string> roots, via;
  for (std::size_t r : l.roots)
    roots.push_back("#" + std::to_string(r + 1) + " " + a.findings[r].title);
  for (std::size_t f : l.findings)
    if (std::find(l.roots.begin(), l.roots.end(), f) == l.roots.end())
      via.push_back("#" + std::to_string(f + 1));
  return join(roots, "; ") + (via.empty() ? "" : " (via " + join(via, ", ") + ")");
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

}  // namespace

void view_tests(const Analysis& a, json& v) {
  v["has_tests"] = !a.model.tests.files.empty();
  v["tests_passed"] = std::to_string(a.test_counts.passed);
  v["tests_failed"] = std::to_string(a.test_counts.failed);
  v["tests_skipped"] = std::to_string(a.test_counts.skipped);
  json trows = json::array();
  for (std::size_t i = 0; i < a.failed_tests.size() && i < kMaxTestRows; ++i) {
    const TestLink& l = a.failed_tests[i];
    trows.push_back(json{{"suite", md_cell(l.test->suite)},
                         {"name", md_cell(l.test->name)},
                         {"message", md_cell(shorten(l.test->message, 200))},
                         {"time", opt_time(l.test->time)},
                         {"explained_by", md_cell(explanation(a, l))}});
  }
  v["failed_tests"] = trows;
  v["has_failed_tests"] = !trows.empty();
  v["failed_tests_more"] = more_line(trows.size(), a.failed_tests.size(), "report.json (tests)");
}

void view_collection(const Analysis& a, json& v) {
  const CollectionInfo& col = a.collection;
  v["partial"] = col.partial;
  v["redaction"] =
      col.redaction_enabled
          ? "Redaction was on: " + std::to_string(col.redaction_masked) + " values were masked."
          : std::string("Redaction was off.");
  json frows = json::array();
  for (std::size_t i = 0; i < col.failures.size() && i < kMaxFailureRows; ++i) {
    const CollectionFailure& f = col.failures[i];
    frows.push_back(json{{"cluster", md_cell(f.cluster)},
                         {"collector", md_cell(f.collector)},
                         {"request", md_cell(f.method + " " + f.path)},
                         {"status", std::to_string(f.status)},
                         {"message", md_cell(shorten(f.message, 200))}});
  }
  v["failures"] = frows;
  v["has_failures"] = !frows.empty();
  v["failures_more"] = more_line(frows.size(), col.failures.size(), "manifest.json");
  json notes = json::array();
  for (const auto& note : col.notes) notes.push_back(json{{"text", md_inline(note)}});
  for (const auto& e : a.model.load_errors)
    notes.push_back(json{{"text", md_inline("could not read " + e)}});
  for (const auto& e : a.model.tests.parse_errors)
    notes.push_back(json{{"text", md_inline("could not parse " + e)}});
  v["notes"] = notes;
  v["index"] = index_view(a.model);
}

}  // namespace kmg::report
