// Turning the selection flags into clusters to gather, and clusters into API clients. Shared by
// `collect` and `clusters`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/options.h"
#include "discovery/cluster_target.h"
#include "discovery/discover.h"

namespace kmg {
class Deadline;
namespace kube {
class KubeApi;
}
}  // namespace kmg

namespace kmg::app {

struct FoundTargets {
  std::vector<discovery::ClusterTarget> targets;
  nlohmann::json engines = nlohmann::json::array();  // [{provider, endpoint, error}]
  std::vector<std::string> notes;
  std::vector<std::string> errors;  // requested and impossible (a --kubeconfig that won't load)
  std::vector<discovery::EngineReport> result_engines;  // for the clusters table
};

// Asks the container engines (unless --no-kind) and the kubeconfigs named on the command line.
FoundTargets find_targets(const SelectionOptions& selection);

// A client for one cluster: libcurl transport with retries on 429 and transient 5xx. Null when the
// target has no credentials.
std::unique_ptr<kube::KubeApi> connect(const discovery::ClusterTarget& target,
                                       const SelectionOptions& selection, const Deadline* deadline);

}  // namespace kmg::app
