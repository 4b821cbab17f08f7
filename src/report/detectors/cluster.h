// Cluster-wide detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void no_clusters(const Model& m, Out& out);
void api_unreachable(const ClusterCtx& ctx, Out& out);
// cluster_deleted.cpp: a cluster the flight recorder saw disappear during the run.
void cluster_deleted(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
