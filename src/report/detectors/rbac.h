// Access and API detectors: RBAC refusals in a workload's logs, kinds the API server does not
// serve (a CustomResourceDefinition not installed), aggregated APIs that are unavailable.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void rbac_forbidden(const ClusterCtx& ctx, const PodView& pv, Out& out);
void missing_crd(const ClusterCtx& ctx, const PodView& pv, Out& out);
void apiservice_unavailable(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
