#include "collectors/registry.h"

#include "collectors/cluster.h"
#include "collectors/custom_resources.h"
#include "collectors/events.h"
#include "collectors/logs.h"
#include "collectors/node_logs.h"
#include "collectors/pods.h"
#include "collectors/resources.h"
#include "collectors/traces.h"

namespace kmg::collectors {

const std::vector<Collector>& all_collectors() {
  // Logs first: they are the largest and claim the size budget for failing pods first.
  static const std::vector<Collector> collectors = {
      {"logs", true, collect_logs},           {"cluster", true, collect_cluster},
      {"pods", true, collect_pods},           {"events", true, collect_events},
      {"resources", true, collect_resources}, {"custom-resources", true, collect_custom_resources},
      {"traces", true, collect_traces},       {"node-logs", false, collect_node_logs},
  };
  return collectors;
}

}  // namespace kmg::collectors
