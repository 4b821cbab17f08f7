// The cause graph: which findings explain which. A finding names the objects it depends on
// (Finding::depends_on); a summary of a workload (a Job failed) follows from the findings on its
// pods. Root causes are the findings nothing else explains.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/analysis.h"
#include "report/model.h"

namespace kmg::report {

// Resolves objects to the findings about them, looking through what stands behind an object: a
// Service's selected pods, a webhook's Service, a pod's owner.
class FindingIndex {
 public:
  FindingIndex(const Model& m, const std::vector<Finding>& findings);
  // Indexes into the findings about `ref` (an empty cluster matches any cluster).
  std::vector<std::size_t> on(const ObjectRef& ref) const;

 private:
  std::vector<std::size_t> direct(const ObjectRef& ref) const;
  std::vector<std::size_t> behind_service(const ObjectRef& ref) const;
  std::vector<std::size_t> own_failures(std::vector<std::size_t> on_pod) const;
  std::vector<std::size_t> behind_webhook(const ObjectRef& ref) const;

  const Model& m_;
  const std::vector<Finding>& findings_;
};

struct RootCause {
  std::size_t finding;                // index into Analysis::findings
  std::vector<std::size_t> explains;  // every finding reachable from it, in rank order
};

// Fills caused_by/effects of every finding and returns the root causes, those that explain most
// first.
std::vector<RootCause> link_causes(const Model& m, std::vector<Finding>& findings);

// The root causes above a finding (itself when nothing explains it).
std::vector<std::size_t> roots_of(const std::vector<Finding>& findings, std::size_t finding);

}  // namespace kmg::report
