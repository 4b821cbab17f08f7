// Node logs, like `kind export logs`: for every node container, through the container engine,
// its serial log and inspect document, and for running nodes the journal (kubelet, containerd,
// everything), crictl images/containers, the containerd config, the Kubernetes version, and the
// kubelet's pod logs under /var/log/pods (rotated files included: restart history beyond the one
// previous instance the API serves). Everything passes through the redactor.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_node_logs(ClusterContext& ctx);

}  // namespace kmg::collectors
