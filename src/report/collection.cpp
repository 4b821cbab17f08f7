// What the collection says about itself, read from manifest.json: failed requests, notes of
// clusters and discovery, engines that did not answer, budgets reached, redaction.
#include <cstdint>

#include "report/analyze.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

CollectionFailure failure(const std::string& cluster, const json& f) {
  return {cluster,        str(f, "collector"), str(f, "method"),
          str(f, "path"), str(f, "message"),   f.value("status", 0L)};
}

void cluster_notes(const Model& m, CollectionInfo& out) {
  for (const auto& [name, c] : m.clusters) {
    for (const auto& f : at_path(c.info, {"failures"})) out.failures.push_back(failure(name, f));
    for (const auto& n : at_path(c.info, {"notes"}))
      if (n.is_string()) out.notes.push_back(name + ": " + n.get<std::string>());
    for (const auto& p : at_path(c.info, {"problems"}))
      if (p.is_string()) out.notes.push_back(name + ": " + p.get<std::string>());
  }
}

// Work of no cluster (attachments), discovery's own notes, engines, budgets.
void general_notes(const Model& m, CollectionInfo& out) {
  const json& general = at_path(m.manifest, {"general"});
  for (const auto& f : at_path(general, {"failures"})) out.failures.push_back(failure("-", f));
  for (const auto& n : at_path(general, {"notes"}))
    if (n.is_string()) out.notes.push_back(n.get<std::string>());
  for (const auto& n : at_path(m.manifest, {"discovery_notes"}))
    if (n.is_string()) out.notes.push_back("discovery: " + n.get<std::string>());
  for (const auto& e : at_path(m.manifest, {"engines"}))
    if (!str(e, "error").empty())
      out.notes.push_back("engine " + str(e, "provider") + " (" + str(e, "endpoint") +
                          "): " + str(e, "error"));
  const json& budget = at_path(m.manifest, {"size_budget"});
  if (at_path(budget, {"exhausted"}) == true) {
    const json& max = at_path(budget, {"max_bytes"});
    out.notes.push_back("the size budget (--max-size " +
                        human_bytes(max.is_number_unsigned() ? max.get<std::uint64_t>() : 0) +
                        ") was reached: files after it were left out");
  }
  if (at_path(m.manifest, {"write_failed"}) == true)
    out.notes.push_back(
        "some files could not be written to the bundle (disk full or permissions) and are "
        "missing; the gather's log names the first");
}

}  // namespace

CollectionInfo collection_info(const Model& m) {
  CollectionInfo out;
  cluster_notes(m, out);
  general_notes(m, out);
  const json& partial = at_path(m.manifest, {"partial"});
  const json& red = at_path(m.manifest, {"redaction"});
  out.partial = partial.is_boolean() && partial.get<bool>();
  out.redaction_enabled =
      at_path(red, {"enabled"}).is_boolean() && at_path(red, {"enabled"}).get<bool>();
  out.redaction_masked =
      at_path(red, {"masked"}).is_number() ? at_path(red, {"masked"}).get<long>() : 0L;
  return out;
}

}  // namespace kmg::report
