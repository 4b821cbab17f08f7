// Pods: every pod in every namespace as YAML and as `kubectl describe pod`-style text with its
// events (from the snapshot's event index: no per-pod event query).
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_pods(ClusterContext& ctx);

// The events about an object, by uid (and by namespace/kind/name for events without a uid).
std::vector<const nlohmann::json*> events_for(const ClusterSnapshot& snapshot,
                                              const nlohmann::json& obj, const std::string& kind);

// The events about a Node, merged as kubectl describe node merges two queries: the node
// controller records events under the Node's uid, the kubelet under the node's name.
std::vector<const nlohmann::json*> node_events(const ClusterSnapshot& snapshot,
                                               const nlohmann::json& node);

}  // namespace kmg::collectors
