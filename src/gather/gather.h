// Gathers one cluster: fetches the shared snapshot (version, nodes, pods, events), then runs every
// collector with a bounded pool of requests in flight, under the gather's deadline.
#pragma once

#include "collectors/collector.h"

namespace kmg::gather {

struct ClusterGatherResult {
  bool reachable = false;
  std::string server_version;  // gitVersion, when reachable
  std::string unreachable_reason;
};

// `api` may be null (no credentials): only the collectors that do not need the API run.
ClusterGatherResult gather_cluster(const discovery::ClusterTarget& target, kube::KubeApi* api,
                                   bundle::BundleWriter& writer, bundle::Manifest& manifest,
                                   const Redactor& redactor, const Deadline& deadline,
                                   const collectors::GatherOptions& options, int concurrency);

// Builds the event index the collectors use: by involvedObject.uid, else "ns/Kind/name".
void index_events(collectors::ClusterSnapshot& snapshot);

}  // namespace kmg::gather
