// `kubectl describe node` (kubectl 1.32) as a pure function, plus a final "Images:" section listing
// status.images, which kubectl does not print but a post-mortem needs.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collectors/describe/quantity.h"
#include "util/timestamps.h"

namespace kmg::describe {

// pods_on_node: pods bound to this node (others, and Succeeded/Failed ones, are left out, as
// What kubectl's GET of the node's Lease (kube-node-lease/<node>, renewed by its kubelet) gave:
// the object, or the error it prints instead; neither leaves the "Lease:" section out.
struct NodeLease {
  const nlohmann::json* lease = nullptr;
  std::string error;  // e.g. `leases.coordination.k8s.io "kind-worker" not found`
};

// kubectl's field selector does); events: those about the node. `now` is the gather's start
// time. Never throws on odd data.
std::string describe_node(const nlohmann::json& node,
                          const std::vector<const nlohmann::json*>& pods_on_node,
                          const std::vector<const nlohmann::json*>& events, EpochNanos now,
                          const NodeLease& lease = {});

// kubectl's resourcehelper.PodRequestsAndLimits: containers summed, init containers taken as a
// maximum (restartable "sidecar" init containers add up), pod overhead added.
struct PodResources {
  ResourceList requests;
  ResourceList limits;
};
PodResources pod_requests_and_limits(const nlohmann::json& pod);

}  // namespace kmg::describe
