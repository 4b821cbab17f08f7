// report.json, rendered from the Analysis.
#pragma once

#include <nlohmann/json.hpp>

#include "report/analyze.h"

namespace kmg::report {

nlohmann::json report_json(const Analysis& a);

}  // namespace kmg::report
