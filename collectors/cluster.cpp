#include "collectors/cluster.h"

#include <map>

#include "bundle/layout.h"
#include "collectors/common.h"
#include "collectors/describe/describe_node.h"
#include "collectors/pods.h"
#include "collectors/sanitize.h"
#include "discovery/cluster_target.h"
#include "util/redact.h"
#include "util/yaml_emit.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "cluster";

// The node's Lease, or the error kubectl's GET of it would print (the messages of the API's
// NotFound answers). A failed list was recorded already: no section then.
describe::NodeLease node_lease(const ClusterSnapshot& snapshot,
                               const std::map<std::string, const nlohmann::json*>& leases,
                               const std::string& node) {
  describe::NodeLease out;
  if (const auto it = leases.find(node); it != leases.end()) {
    out.lease = it->second;
  } else if (snapshot.node_leases_status == 404) {
    out.error = "the server could not find the requested resource";
  } else if (snapshot.node_leases_status == 200) {
    out.error = "leases.coordination.k8s.io \"" + node + "\" not found";
  }
  return out;
}

}  // namespace

void collect_cluster(ClusterContext& ctx) {
  if (!ctx.snapshot.version.is_null()) {
    write_output(ctx, kName, bundle::layout::version_json(ctx.target.name),
                 ctx.snapshot.version.dump(1));
  }
  std::multimap<std::string, const nlohmann::json*> pods_by_node;
  for (const auto& pod : ctx.snapshot.pods) {
    pods_by_node.emplace(str_at(pod, "/spec/nodeName"), &pod);
  }
  std::map<std::string, const nlohmann::json*> leases;  // a node's Lease has the node's name
  for (const auto& lease : ctx.snapshot.node_leases) {
    leases.emplace(str_at(lease, "/metadata/name"), &lease);
  }
  nlohmann::json list = {{"apiVersion", "v1"},
                         {"kind", "NodeList"},
                         {"metadata", nlohmann::json::object()},
                         {"items", nlohmann::json::array()}};
  for (const auto& node : ctx.snapshot.nodes) {
    const std::string name = str_at(node, "/metadata/name");
    nlohmann::json clean = node;
    clean["apiVersion"] = "v1";
    clean["kind"] = "Node";
    sanitize_object(clean, ctx.redactor);
    write_output(ctx, kName, bundle::layout::node_yaml(ctx.target.name, name), to_yaml(clean));
    std::vector<const nlohmann::json*> pods;
    const auto [begin, end] = pods_by_node.equal_range(name);
    for (auto it = begin; it != end; ++it) pods.push_back(it->second);
    const std::string text =
        describe::describe_node(clean, pods, node_events(ctx.snapshot, node),
                                ctx.options.started_at_ns, node_lease(ctx.snapshot, leases, name));
    write_output(ctx, kName, bundle::layout::node_describe(ctx.target.name, name),
                 ctx.redactor.redact(text));
    list["items"].push_back(std::move(clean));
  }
  write_output(ctx, kName, bundle::layout::list_json(ctx.target.name, "", "nodes"), list.dump(1));
}

}  // namespace kmg::collectors
