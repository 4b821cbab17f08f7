#include "report/test_links.h"

#include <algorithm>

#include "report/causes.h"
#include "report/detectors/registry.h"
#include "report/test_mentions.h"
#include "report/test_windows.h"
#include "util/text.h"

namespace kmg::report {
namespace {

void append_unique(std::vector<std::size_t>& out, const std::vector<std::size_t>& more) {
  for (std::size_t i : more)
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
}

// A pod named in a test may be gone (replaced by its controller): its owner, guessed from the
// generated name, still has the findings ("api-7d4b9c-x2x9z" -> Deployment "api").
std::vector<ObjectRef> owners_of_pod_name(const std::string& ns, const std::string& pod) {
  std::vector<ObjectRef> out;
  const auto parts = split(pod, '-');
  if (parts.size() >= 3)
    out.push_back({"", ns, "Deployment", join({parts.begin(), parts.end() - 2}, "-")});
  if (parts.size() >= 2) {
    const std::string base = join({parts.begin(), parts.end() - 1}, "-");
    for (const char* kind : {"StatefulSet", "Job", "DaemonSet", "ReplicaSet"})
      out.push_back({"", ns, kind, base});
  }
  return out;
}

// Trace findings are keyed by the operation that failed ("GET /api/routes").
std::vector<std::size_t> operation_findings(const std::vector<Finding>& findings,
                                            const std::string& operation) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < findings.size(); ++i)
    if (findings[i].detector == "trace-errors" && findings[i].id.ends_with("/" + operation))
      out.push_back(i);
  return out;
}

std::vector<std::size_t> namespace_findings(const std::vector<Finding>& findings,
                                            const std::string& ns) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < findings.size(); ++i)
    if (findings[i].object.ns == ns && findings[i].severity <= Severity::error) out.push_back(i);
  return out;
}

std::vector<std::size_t> mention_findings(const FindingIndex& index,
                                          const std::vector<Finding>& findings,
                                          const Mention& mention) {
  if (mention.kind == "Operation") return operation_findings(findings, mention.name);
  if (mention.kind == "Namespace") return {};
  std::vector<std::size_t> out = index.on(ObjectRef{"", mention.ns, mention.kind, mention.name});
  if (out.empty() && mention.kind == "Pod")
    for (const auto& owner : owners_of_pod_name(mention.ns, mention.name))
      append_unique(out, index.on(owner));
  return out;
}

// What the test waited for failed by itself (a crash loop) and also reports a dependency: the
// object's own failure explains the test, the dependency only its side effects.
void prefer_causes(const std::vector<Finding>& findings, std::vector<std::size_t>& linked) {
  auto consequence = [&](std::size_t i) {
    const detect::Detector* d = detect::find_detector(findings[i].detector);
    return d != nullptr && d->role == detect::Role::consequence;
  };
  if (std::any_of(linked.begin(), linked.end(), [&](std::size_t i) { return !consequence(i); }))
    std::erase_if(linked, consequence);
}

// Findings whose evidence lies outside the test's run cannot explain it (see test_windows.h).
std::vector<std::size_t> in_window(const EvidenceTimes& times, const std::vector<Finding>& findings,
                                   const TestCase& t, std::vector<std::size_t> found) {
  std::erase_if(found, [&](std::size_t i) { return !times.explains(t, findings[i]); });
  return found;
}

TestLink link_test(const FindingIndex& index, const EvidenceTimes& times,
                   const std::vector<Finding>& findings, const TestCase& t) {
  TestLink link;
  link.test = &t;
  std::vector<std::string> namespaces;
  for (const Mention& mention : test_mentions(t)) {
    const std::string where = mention.ns.empty() ? mention.name : mention.ns + "/" + mention.name;
    const std::string looked = mention.kind + " " + where;
    if (std::find(link.looked_at.begin(), link.looked_at.end(), looked) == link.looked_at.end())
      link.looked_at.push_back(looked);
    if (mention.kind == "Namespace") namespaces.push_back(mention.name);
    append_unique(link.findings,
                  in_window(times, findings, t, mention_findings(index, findings, mention)));
  }
  // A namespace alone is a weak link: only when nothing more precise was found.
  if (link.findings.empty())
    for (const auto& ns : namespaces)
      append_unique(link.findings, in_window(times, findings, t, namespace_findings(findings, ns)));
  prefer_causes(findings, link.findings);
  std::sort(link.findings.begin(), link.findings.end());
  for (std::size_t f : link.findings) append_unique(link.roots, roots_of(findings, f));
  std::sort(link.roots.begin(), link.roots.end());
  return link;
}

}  // namespace

std::vector<TestLink> explain_tests(const Model& m, const std::vector<Finding>& findings) {
  const FindingIndex index(m, findings);
  const EvidenceTimes times(m);
  std::vector<TestLink> out;
  for (const auto& t : m.tests.cases)
    if (t.status == "failed" || t.status == "error")
      out.push_back(link_test(index, times, findings, t));
  return out;
}

}  // namespace kmg::report
