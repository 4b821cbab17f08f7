// Trace detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void trace_errors(const Model& m, Out& out);

}  // namespace kmg::report::detect
