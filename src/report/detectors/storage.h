// Storage detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void pvc_pending(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
