#include "gather/gather.h"

#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "bundle/manifest.h"
#include "collectors/common.h"
#include "collectors/registry.h"
#include "discovery/cluster_target.h"
#include "kube/kube_api.h"
#include "util/deadline.h"
#include "util/work_pool.h"

namespace kmg::gather {
namespace {

using collectors::ClusterContext;
using collectors::ClusterSnapshot;

// Version first: it tells whether the API answers at all before dozens of requests time out.
ClusterGatherResult probe(ClusterContext& ctx, ClusterSnapshot& snapshot) {
  ClusterGatherResult result;
  if (ctx.api == nullptr) {
    result.unreachable_reason = "no credentials to reach the API server";
    return result;
  }
  const kube::Response r = ctx.api->get("/version");
  ctx.manifest.add_request(ctx.target.name, "cluster", r.bytes);
  if (!r.ok()) {
    result.unreachable_reason = r.describe();
    ctx.manifest.add_failure(
        {ctx.target.name, "cluster", "GET", "/version", r.status, result.unreachable_reason});
    return result;
  }
  snapshot.version = nlohmann::json::parse(r.body, nullptr, false);
  if (snapshot.version.is_discarded()) snapshot.version = nullptr;
  result.reachable = true;
  if (snapshot.version.is_object())
    result.server_version = snapshot.version.value("gitVersion", "");
  return result;
}

void fetch_snapshot(ClusterContext& ctx, ClusterSnapshot& snapshot) {
  collectors::TaskGroup group(ctx);
  group.run([&] {
    if (auto nodes = collectors::fetch_list(ctx, "cluster", "/api/v1/nodes")) {
      snapshot.nodes = std::move((*nodes)["items"]);
    }
  });
  group.run([&] {
    if (auto pods = collectors::fetch_list(ctx, "pods", "/api/v1/pods")) {
      snapshot.pods = std::move((*pods)["items"]);
    }
  });
  group.run([&] {
    if (auto events = collectors::fetch_list(ctx, "events", "/api/v1/events")) {
      snapshot.events = std::move((*events)["items"]);
    }
  });
  group.run([&] {
    // One Lease per node, renewed by its kubelet (kubectl describe node shows it). A server
    // without the coordination API has none, which is no failure.
    if (auto leases = collectors::fetch_if_served(
            ctx, "cluster", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
            &snapshot.node_leases_status)) {
      if ((*leases)["items"].is_array()) snapshot.node_leases = std::move((*leases)["items"]);
    }
  });
  group.wait();
  index_events(snapshot);
}

void run_collector(ClusterContext& ctx, const collectors::Collector& collector, bool reachable) {
  if (collector.needs_api && !reachable) return;
  const auto start = std::chrono::steady_clock::now();
  try {
    collector.run(ctx);
  } catch (const std::exception& e) {
    spdlog::error("{}: collector {} failed: {}", ctx.target.name, collector.name, e.what());
    collectors::record_problem(ctx, collector.name, collector.name,
                               std::string("collector failed: ") + e.what());
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  ctx.manifest.add_seconds(ctx.target.name, collector.name, took.count());
}

}  // namespace

void index_events(ClusterSnapshot& snapshot) {
  snapshot.events_by_object.clear();
  for (std::size_t i = 0; i < snapshot.events.size(); ++i) {
    const auto& e = snapshot.events[i];
    std::string key = collectors::str_at(e, "/involvedObject/uid");
    if (key.empty()) {
      key = collectors::str_at(e, "/involvedObject/namespace") + "/" +
            collectors::str_at(e, "/involvedObject/kind") + "/" +
            collectors::str_at(e, "/involvedObject/name");
    }
    snapshot.events_by_object.emplace(std::move(key), i);
  }
}

ClusterGatherResult gather_cluster(const discovery::ClusterTarget& target, kube::KubeApi* api,
                                   bundle::BundleWriter& writer, bundle::Manifest& manifest,
                                   const Redactor& redactor, const Deadline& deadline,
                                   const collectors::GatherOptions& options, int concurrency) {
  WorkPool pool(static_cast<std::size_t>(concurrency));
  ClusterSnapshot snapshot;
  ClusterContext ctx{target, api, writer, manifest, redactor, deadline, pool, options, snapshot};
  const auto snapshot_start = std::chrono::steady_clock::now();
  ClusterGatherResult result = probe(ctx, snapshot);
  if (!result.reachable) {
    ctx.api = nullptr;
    manifest.add_note(target.name, "API server unreachable (" + result.unreachable_reason +
                                       "): only node-level data was gathered");
  } else {
    fetch_snapshot(ctx, snapshot);
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - snapshot_start;
  manifest.add_seconds(target.name, "snapshot", took.count());

  // Each collector runs on its own thread and queues its requests on the shared pool, so the
  // pool bounds the requests in flight while collectors wait only for their own work.
  std::vector<std::thread> threads;
  for (const auto& collector : collectors::all_collectors()) {
    threads.emplace_back(
        [&ctx, &collector, &result] { run_collector(ctx, collector, result.reachable); });
  }
  for (auto& t : threads) t.join();
  pool.wait_idle();
  return result;
}

}  // namespace kmg::gather
