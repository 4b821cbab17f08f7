// The one table of detectors, and what is derived from it: which lists the report loads, and
// the run that turns a Model into grouped, ranked findings.
#pragma once

#include <string>
#include <vector>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

const std::vector<Detector>& all_detectors();
// The detector that emits findings named `name`, or null.
const Detector* find_detector(std::string_view name);
// Whether some detector (or the shared cluster indexes) reads this built-in list.
bool list_is_read(const std::string& key);
// The findings of one detector alone on a Model, grouped as detect_findings groups them (for
// tests: a detector is checked on an in-memory Model, without a bundle).
std::vector<Finding> run_one(const Model& m, std::string_view detector);

}  // namespace kmg::report::detect
