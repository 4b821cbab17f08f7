#include "record/reconstruct.h"

#include <set>

#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/cluster.h"
#include "collectors/common.h"
#include "collectors/describe/events_table.h"
#include "collectors/pods.h"
#include "discovery/cluster_target.h"
#include "gather/gather.h"
#include "util/deadline.h"
#include "util/redact.h"
#include "util/work_pool.h"

namespace kmg::record {
namespace {

using nlohmann::json;

// The lists the snapshot carries (written by the collectors that read it), not as resources.
const std::set<std::string, std::less<>> kSnapshotLists = {"pods", "nodes", "events"};

json alive_items(const LastState& state, const std::string& key) {
  json items = json::array();
  for (const ObjectState* s : state.alive(key)) items.push_back(s->object);
  return items;
}

// A List as the API serves it: "<Kind>List" of the items' kind, the resource's apiVersion.
json as_list(const ResourceState& r, json items) {
  std::string kind;
  if (!items.empty() && items[0].is_object()) kind = items[0].value("kind", "");
  const std::string api_version = r.group.empty() ? r.version : r.group + "/" + r.version;
  return {{"apiVersion", api_version},
          {"kind", kind + "List"},
          {"metadata", json::object()},
          {"items", std::move(items)}};
}

collectors::ClusterSnapshot snapshot_of(const LastState& state) {
  collectors::ClusterSnapshot snapshot;
  snapshot.nodes = alive_items(state, "nodes");
  snapshot.pods = alive_items(state, "pods");
  snapshot.events = alive_items(state, "events");
  // A recording that watched Leases answers describe's lease section as a gather's 200 list does.
  if (state.find("leases.coordination.k8s.io") != nullptr) {
    snapshot.node_leases_status = 200;
    for (const ObjectState* s : state.alive("leases.coordination.k8s.io")) {
      if (collectors::str_at(s->object, "/metadata/namespace") == "kube-node-lease")
        snapshot.node_leases.push_back(s->object);
    }
  }
  gather::index_events(snapshot);
  return snapshot;
}

// collect_events without its one API request: events.json and events.txt from the snapshot.
void write_events(collectors::ClusterContext& ctx, EpochNanos now) {
  collectors::write_list_streamed(ctx, kRecordingCollector,
                                  bundle::layout::events_json(ctx.target.name), "EventList", "v1",
                                  ctx.snapshot.events);
  std::vector<const json*> all;
  all.reserve(ctx.snapshot.events.size());
  for (const auto& e : ctx.snapshot.events) all.push_back(&e);
  collectors::write_output(ctx, kRecordingCollector, bundle::layout::events_txt(ctx.target.name),
                           ctx.redactor.redact(describe::events_table(all, now)));
}

}  // namespace

void write_last_state(const std::string& cluster, const LastState& state, EpochNanos now,
                      bundle::BundleWriter& writer, bundle::Manifest& manifest,
                      const Redactor& redactor) {
  discovery::ClusterTarget target;
  target.name = cluster;
  const Deadline deadline(std::chrono::hours(24));  // nothing here waits on a server
  WorkPool pool(1);
  collectors::GatherOptions options;
  options.started_at_ns = now;
  const collectors::ClusterSnapshot snapshot = snapshot_of(state);
  collectors::ClusterContext ctx{target,   nullptr, writer,  manifest, redactor,
                                 deadline, pool,    options, snapshot};
  collectors::collect_cluster(ctx);
  collectors::collect_pods(ctx);
  write_events(ctx, now);
  for (const auto& [key, resource] : state.resources()) {
    if (kSnapshotLists.count(key) > 0) continue;
    collectors::write_list_and_objects(ctx, kRecordingCollector, resource.group, resource.resource,
                                       as_list(resource, alive_items(state, key)));
  }
  pool.wait_idle();
}

}  // namespace kmg::record
