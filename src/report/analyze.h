// The Analysis: everything the report shows, computed once from the Model. report.json and the
// Markdown view are both rendered from it; neither reads the other.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/analysis.h"
#include "report/causes.h"
#include "report/model.h"
#include "report/test_links.h"

namespace kmg::report {

struct ClusterRow {
  std::string name, provider, version, reachable;  // reachable: yes | no | ?
  std::size_t nodes = 0, pods = 0, findings = 0;
};

struct TestCounts {
  std::size_t passed = 0, failed = 0, skipped = 0;
};

struct CollectionFailure {
  std::string cluster, collector, method, path, message;
  long status = 0;
};

// What the collection itself says: failed requests, notes, redaction, partial bundles.
struct CollectionInfo {
  bool partial = false;
  bool redaction_enabled = false;
  long redaction_masked = 0;
  std::vector<CollectionFailure> failures;
  std::vector<std::string> notes;
};

// collection.cpp: read from the manifest.
CollectionInfo collection_info(const Model& m);

struct Analysis {
  const Model& model;
  std::vector<Finding> findings;  // ranked
  std::vector<RootCause> roots;   // those that explain most first
  std::vector<TestLink> failed_tests;
  TestCounts test_counts;
  std::vector<TimelineEntry> timeline;
  std::vector<GanttBar> gantt;
  std::vector<WarningGroup> warnings;
  std::vector<PodRow> pods;
  std::vector<ClusterRow> clusters;
  std::vector<const Signature*> signatures;  // most frequent first
  std::vector<const SpanInfo*> error_spans;  // by time, each span once
  std::vector<const TraceInfo*> slowest;     // the five slowest traces
  CollectionInfo collection;
  std::string verdict;
  std::string status;  // healthy | warnings | failures | no-clusters
};

Analysis analyze(const Model& m);

}  // namespace kmg::report
