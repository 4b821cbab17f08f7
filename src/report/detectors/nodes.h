// Node detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void node_not_ready(const ClusterCtx& ctx, Out& out);
void node_network_not_ready(const ClusterCtx& ctx, Out& out);
void node_pressure(const ClusterCtx& ctx, Out& out);
void pod_sandbox(const ClusterCtx& ctx, const PodView& pv, Out& out);

}  // namespace kmg::report::detect
