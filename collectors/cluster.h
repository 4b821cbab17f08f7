// Cluster-level state: /version, and every node as YAML and as `kubectl describe node` text
// (conditions, capacity, allocated requests, taints, and the images present on the node).
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_cluster(ClusterContext& ctx);

}  // namespace kmg::collectors
