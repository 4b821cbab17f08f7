// Events: all namespaces, listed once (core/v1, plus events.k8s.io/v1 where the server has it),
// as JSON and as a chronological table.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_events(ClusterContext& ctx);

}  // namespace kmg::collectors
