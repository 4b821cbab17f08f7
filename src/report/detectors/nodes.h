// Node detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void node_not_ready(const ClusterCtx& ctx, Out& out);
void node_pressure(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
