// Scheduling detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void unschedulable_pod(const ClusterCtx& ctx, const PodView& pv, Out& out);

}  // namespace kmg::report::detect
