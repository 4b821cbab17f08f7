// Workload detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void deployment_stalled(const ClusterCtx& ctx, Out& out);
void deployment_unavailable(const ClusterCtx& ctx, Out& out);
void job_failed(const ClusterCtx& ctx, Out& out);
void statefulset_not_ready(const ClusterCtx& ctx, Out& out);
void daemonset_not_ready(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
