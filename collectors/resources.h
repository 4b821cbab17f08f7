// Built-in resources a person triaging a failure looks at: workloads, services and endpoints,
// configuration, storage, networking, RBAC, autoscaling and disruption budgets. Each listed once
// across all namespaces. Secrets keep metadata, type and key names only.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

struct BuiltinResource {
  const char* group;  // "" for core
  const char* version;
  const char* resource;
};

// The built-in resources this collector lists (also what the custom-resources collector skips).
const std::vector<BuiltinResource>& builtin_resources();

void collect_resources(ClusterContext& ctx);

}  // namespace kmg::collectors
