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
// kubectl's field selector does); events: those about the node. `now` is the gather's start
// time. lease: the node's Lease in kube-node-lease, renewed by its kubelet; without one the
// "Lease:" section is left out. Never throws on odd data.
std::string describe_node(const nlohmann::json& node,
                          const std::vector<const nlohmann::json*>& pods_on_node,
                          const std::vector<const nlohmann::json*>& events, EpochNanos now,
                          const nlohmann::json* lease = nullptr);

// kubectl's resourcehelper.PodRequestsAndLimits: containers summed, init containers taken as a
// maximum (restartable "sidecar" init containers add up), pod overhead added.
struct PodResources {
  ResourceList requests;
  ResourceList limits;
};
PodResources pod_requests_and_limits(const nlohmann::json& pod);

}  // namespace kmg::describe
