// What the collection says about itself, read from manifest.json: failed requests, notes of
// clusters and discovery, engines that did not answer, budgets reached, redaction.
#include <cstdint>

#include "bundle/manifest_record.h"
#include "report/analyze.h"
#include "util/text.h"

namespace kmg::report {
namespace {

CollectionFailure failure(const std::string& cluster, const bundle::FailedRequest& f) {
  return {cluster, f.collector, f.method, f.path, f.message, f.status};
}

// By cluster name, as Model::clusters is ordered; a cluster missing from the manifest says nothing.
void cluster_notes(const bundle::ManifestRecord& r, CollectionInfo& out) {
  for (const auto& [name, c] : r.clusters) {
    for (const auto& f : c.failures) out.failures.push_back(failure(name, f));
    for (const auto& n : c.notes) out.notes.push_back(name + ": " + n);
    for (const auto& p : c.problems.value_or(std::vector<std::string>{}))
      out.notes.push_back(name + ": " + p);
  }
}

// Work of no cluster (attachments), discovery's own notes, engines, budgets.
void general_notes(const bundle::ManifestRecord& r, CollectionInfo& out) {
  if (r.general) {
    for (const auto& f : r.general->failures) out.failures.push_back(failure("-", f));
    for (const auto& n : r.general->notes) out.notes.push_back(n);
  }
  for (const auto& n : r.discovery_notes.value_or(std::vector<std::string>{}))
    out.notes.push_back("discovery: " + n);
  for (const auto& e : r.engines.value_or(std::vector<bundle::EngineRecord>{}))
    if (!e.error.empty())
      out.notes.push_back("engine " + e.provider + " (" + e.endpoint + "): " + e.error);
  if (r.size_budget && r.size_budget->exhausted) {
    out.notes.push_back("the size budget (--max-size " + human_bytes(r.size_budget->max_bytes) +
                        ") was reached: files after it were left out");
  }
  if (r.write_failed.value_or(false))
    out.notes.push_back(
        "some files could not be written to the bundle (disk full or permissions) and are "
        "missing; the gather's log names the first");
}

}  // namespace

CollectionInfo collection_info(const Model& m) {
  CollectionInfo out;
  const auto r = m.manifest.get<bundle::ManifestRecord>();
  cluster_notes(r, out);
  general_notes(r, out);
  out.partial = r.partial.value_or(false);
  out.redaction_enabled = r.redaction && r.redaction->enabled;
  out.redaction_masked = r.redaction ? static_cast<long>(r.redaction->masked) : 0L;
  return out;
}

}  // namespace kmg::report
