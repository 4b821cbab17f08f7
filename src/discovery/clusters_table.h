// `kind-must-gather clusters`: what discovery found, as a text table or a JSON document.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "discovery/discover.h"
#include "kube/kube_api.h"

namespace kmg::discovery {

struct Reachability {
  bool ok = false;
  std::string git_version;  // "v1.32.2"
  std::string error;        // "connection refused", "401 Unauthorized: ..."
};

// GET /version; never throws.
Reachability probe_version(kube::KubeApi& api);

// `probes` parallels `result.targets` (missing entries render as "not probed").
std::string render_clusters_table(const DiscoveryResult& result,
                                  const std::vector<Reachability>& probes);
nlohmann::json clusters_json(const DiscoveryResult& result,
                             const std::vector<Reachability>& probes);

}  // namespace kmg::discovery
