// What every collector sees: one cluster's API and engine, the bundle, the manifest, the redactor,
// the deadline and a bounded work pool. A collector never throws for a failed request: it records
// the failure in the manifest and goes on.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg {
class Deadline;
class Redactor;
class WorkPool;
namespace kube {
class KubeApi;
}
namespace bundle {
class BundleWriter;
class Manifest;
}  // namespace bundle
namespace discovery {
struct ClusterTarget;
}
}  // namespace kmg

namespace kmg::collectors {

struct GatherOptions {
  std::int64_t started_at_ns = 0;  // gather start (UTC): "now" for ages in describe text
  std::uint64_t log_limit_bytes = 10ull << 20;  // per log
  std::int64_t since_seconds = 0;               // 0: whole log
  // Traces from this long before now; 0: from the cluster's creation (its oldest Node).
  std::int64_t trace_lookback_seconds = 0;
  int trace_limit = 20;                  // traces per service
  std::string jaeger_url;                // outside the cluster, optional
  std::vector<std::string> attachments;  // --attach paths
  // One engine call on a node (exec, archive, logs): what a paused or hung node may cost.
  std::chrono::milliseconds node_call_timeout{std::chrono::seconds(60)};
};

// The lists every collector builds on, fetched once per cluster before the collectors run.
struct ClusterSnapshot {
  nlohmann::json version;                                // /version, null if unreachable
  nlohmann::json nodes = nlohmann::json::array();        // Node items
  nlohmann::json pods = nlohmann::json::array();         // Pod items, all namespaces
  nlohmann::json events = nlohmann::json::array();       // core/v1 Event items, all namespaces
  nlohmann::json node_leases = nlohmann::json::array();  // Lease items of kube-node-lease
  long node_leases_status = 0;  // HTTP status of that list (404: no coordination API; 0: none)
  // Event indexes into `events` by involvedObject.uid (and "ns/kind/name" when uid is empty).
  std::multimap<std::string, std::size_t> events_by_object;
};

struct ClusterContext {
  const discovery::ClusterTarget& target;
  kube::KubeApi* api;  // null when the API server could not be reached
  bundle::BundleWriter& writer;
  bundle::Manifest& manifest;
  const Redactor& redactor;
  const Deadline& deadline;
  WorkPool& pool;  // bounded concurrency for this cluster's requests
  const GatherOptions& options;
  const ClusterSnapshot& snapshot;
};

struct Collector {
  const char* name;  // "pods", "logs", ... as in the manifest
  bool needs_api;    // skipped (with a note) when the API is unreachable
  std::function<void(ClusterContext&)> run;
};

}  // namespace kmg::collectors
