// Builds small bundles as folders, the way collectors lay them out, and reads the result back.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/report.h"
#include "temp_dir.h"

namespace kmg::testing {

class BundleFixture {
 public:
  BundleFixture();
  const std::string& root() const { return root_; }
  // Replaces clusters/<cluster>/lists/<key>.json with a List holding `items`.
  void list(const std::string& key, const nlohmann::json& items,
            const std::string& cluster = "kind");
  void events(const nlohmann::json& items, const std::string& cluster = "kind");
  void log(const std::string& ns, const std::string& pod, const std::string& container,
           bool previous, const std::string& text, const std::string& cluster = "kind");
  void file(const std::string& relative, const std::string& content);
  nlohmann::json& manifest() { return manifest_; }
  // Writes manifest.json and builds the report.
  report::ReportOutput build(const report::ReportSettings& s = {});

 private:
  TempDir dir_;
  std::string root_;
  nlohmann::json manifest_;
};

// A corpus JSON file (path under shared/corpus).
nlohmann::json corpus_json(const std::string& relative);
// A corpus YAML file converted to JSON (numbers and booleans typed).
nlohmann::json corpus_yaml(const std::string& relative);
std::string corpus_text(const std::string& relative);

// Findings of report.json whose detector is `detector`.
nlohmann::json findings_of(const report::ReportOutput& out, const std::string& detector);
// All evidence and text of a finding joined by newlines, for substring checks.
std::string finding_text(const nlohmann::json& finding);

// Minimal objects.
nlohmann::json make_pod(const std::string& ns, const std::string& name,
                        const nlohmann::json& status, const nlohmann::json& spec = nullptr);
nlohmann::json make_event(const std::string& ns, const std::string& kind, const std::string& name,
                          const std::string& type, const std::string& reason,
                          const std::string& message, int count = 1,
                          const std::string& time = "2026-02-04T10:16:00Z");

}  // namespace kmg::testing
