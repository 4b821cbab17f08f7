// Network and Service detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void dependency(const ClusterCtx& ctx, const PodView& pv, Out& out);
void missing_service(const ClusterCtx& ctx, const PodView& pv, Out& out);

}  // namespace kmg::report::detect
