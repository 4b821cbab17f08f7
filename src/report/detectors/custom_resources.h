// Custom resource detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void custom_resource(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
