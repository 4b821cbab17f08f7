#include "collectors/resources.h"

#include <mutex>
#include <set>

#include "bundle/manifest.h"
#include "collectors/common.h"
#include "discovery/cluster_target.h"
#include "kube/kube_api.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "resources";

std::string list_path(const BuiltinResource& r) {
  const std::string group = r.group;
  return (group.empty() ? std::string("/api/") : "/apis/" + group + "/") + r.version + "/" +
         r.resource;
}

// The resources the server offers in each group-version we list from, by API discovery: a server
// without a resource (an older release, a trimmed API) is not a failure, just nothing to list.
std::set<std::string> served_resources(ClusterContext& ctx) {
  std::set<std::string> group_versions;
  for (const auto& r : builtin_resources()) {
    group_versions.insert(std::string(r.group).empty() ? std::string("v1")
                                                       : std::string(r.group) + "/" + r.version);
  }
  std::set<std::string> served;
  std::mutex mutex;
  TaskGroup group(ctx);
  for (const auto& gv : group_versions) {
    group.run([&ctx, &served, &mutex, gv] {
      const std::string path = gv == "v1" ? "/api/v1" : "/apis/" + gv;
      // A group-version the server does not serve answers 404: an answer, not a failure.
      auto doc = fetch_if_served(ctx, kName, path);
      if (!doc || !(*doc)["resources"].is_array()) return;
      std::lock_guard lock(mutex);
      for (const auto& r : (*doc)["resources"]) served.insert(gv + "/" + r.value("name", ""));
    });
  }
  group.wait();
  return served;
}

}  // namespace

const std::vector<BuiltinResource>& builtin_resources() {
  static const std::vector<BuiltinResource> resources = {
      {"", "v1", "namespaces"},
      {"", "v1", "services"},
      {"", "v1", "endpoints"},
      {"", "v1", "configmaps"},
      {"", "v1", "secrets"},
      {"", "v1", "serviceaccounts"},
      {"", "v1", "persistentvolumeclaims"},
      {"", "v1", "persistentvolumes"},
      {"", "v1", "replicationcontrollers"},  // kubectl cluster-info dump has them too
      {"", "v1", "resourcequotas"},
      {"", "v1", "limitranges"},
      {"apps", "v1", "deployments"},
      {"apps", "v1", "replicasets"},
      {"apps", "v1", "statefulsets"},
      {"apps", "v1", "daemonsets"},
      {"batch", "v1", "jobs"},
      {"batch", "v1", "cronjobs"},
      {"discovery.k8s.io", "v1", "endpointslices"},
      {"networking.k8s.io", "v1", "ingresses"},
      {"networking.k8s.io", "v1", "networkpolicies"},
      {"rbac.authorization.k8s.io", "v1", "roles"},
      {"rbac.authorization.k8s.io", "v1", "rolebindings"},
      {"rbac.authorization.k8s.io", "v1", "clusterroles"},
      {"rbac.authorization.k8s.io", "v1", "clusterrolebindings"},
      {"autoscaling", "v2", "horizontalpodautoscalers"},
      {"policy", "v1", "poddisruptionbudgets"},
      {"storage.k8s.io", "v1", "storageclasses"},
      {"coordination.k8s.io", "v1", "leases"},  // node heartbeats and controllers' leader election
      {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"},
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"},
      // Aggregated APIs (metrics-server...): one unavailable breaks discovery for every client.
      {"apiregistration.k8s.io", "v1", "apiservices"},
  };
  return resources;
}

void collect_resources(ClusterContext& ctx) {
  const auto served = served_resources(ctx);
  TaskGroup group(ctx);
  for (const auto& r : builtin_resources()) {
    const std::string gv =
        std::string(r.group).empty() ? std::string("v1") : std::string(r.group) + "/" + r.version;
    if (!served.contains(gv + "/" + r.resource)) continue;
    group.run([&ctx, r] {
      if (auto list = fetch_list(ctx, kName, list_path(r))) {
        write_list_and_objects(ctx, kName, r.group, r.resource, std::move(*list));
      }
    });
  }
  group.wait();
}

}  // namespace kmg::collectors
