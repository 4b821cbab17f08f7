// Ginkgo v2's JSON report (`ginkgo --json-report`): an array of suite reports (types.Report), each
// with SpecReports (types.SpecReport): ContainerHierarchyTexts, LeafNodeText, LeafNodeType, State,
// StartTime, EndTime, RunTime (ns), Failure{Message, Location, ForwardedPanic, FailureNodeType},
// CapturedGinkgoWriterOutput.
#pragma once

#include <string>
#include <string_view>

#include "report/model.h"

namespace kmg::report {

// Adds the specs of one report to `out`. Specs are taken as the parser completes them, so a
// truncated report keeps the specs before the damage and adds a parse error naming the file. A
// JSON file without suite reports adds nothing.
void add_ginkgo_json(std::string_view text, const std::string& file, TestData& out);

}  // namespace kmg::report
