// Access and API detectors: RBAC refusals in a workload's logs, kinds the API server does not
// serve (a CustomResourceDefinition not installed), aggregated APIs that are unavailable.
#pragma once

#include <optional>
#include <string>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

// The detector and id detail that rbac_forbidden or missing_crd give the refusal in `line`, so
// that a container that exits on that line can name the refusal as the cause of its crash.
struct LogRefusal {
  std::string detector, detail;
};
std::optional<LogRefusal> api_refusal_in(const std::string& line);

void rbac_forbidden(const ClusterCtx& ctx, const PodView& pv, Out& out);
void missing_crd(const ClusterCtx& ctx, const PodView& pv, Out& out);
void apiservice_unavailable(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
