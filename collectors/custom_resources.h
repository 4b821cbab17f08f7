// Custom resources: every CRD, and every instance of every listable resource that API discovery
// reports outside the built-in groups (CRDs and aggregated APIs alike), namespaced or
// cluster-scoped. Found through discovery, never from a fixed list.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_custom_resources(ClusterContext& ctx);

}  // namespace kmg::collectors
