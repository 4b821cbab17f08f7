// `kind-must-gather clusters`: every Kind cluster found, its nodes, how its kubeconfig was
// obtained, and whether its API server answers (with its version, or the reason it does not).
#include <iostream>
#include <thread>

#include "app/cli.h"
#include "app/options.h"
#include "app/targets.h"
#include "discovery/clusters_table.h"
#include "kube/kube_api.h"
#include "util/deadline.h"

namespace kmg::app {

int run_clusters(const ClustersOptions& options) {
  FoundTargets found = find_targets(options.selection);
  discovery::DiscoveryResult result;
  result.targets = std::move(found.targets);
  result.engines = std::move(found.result_engines);
  result.notes = std::move(found.notes);

  // Probe every cluster at once: a dead API server costs one timeout, not one per cluster.
  Deadline deadline(std::chrono::seconds(options.selection.request_timeout_seconds + 5));
  std::vector<discovery::Reachability> probes(result.targets.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < result.targets.size(); ++i) {
    threads.emplace_back([&, i] {
      auto api = connect(result.targets[i], options.selection, &deadline);
      if (api == nullptr) {
        probes[i].error = "no credentials to reach the API server";
        return;
      }
      probes[i] = discovery::probe_version(*api);
    });
  }
  for (auto& t : threads) t.join();

  if (options.json) {
    std::cout << discovery::clusters_json(result, probes).dump(2) << "\n";
  } else {
    std::cout << discovery::render_clusters_table(result, probes);
  }
  return kExitComplete;
}

}  // namespace kmg::app
