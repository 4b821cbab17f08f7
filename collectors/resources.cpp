#include "collectors/resources.h"

#include "collectors/common.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "resources";

std::string list_path(const BuiltinResource& r) {
  const std::string group = r.group;
  return (group.empty() ? std::string("/api/") : "/apis/" + group + "/") + r.version + "/" +
         r.resource;
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
      {"admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations"},
      {"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"},
  };
  return resources;
}

void collect_resources(ClusterContext& ctx) {
  TaskGroup group(ctx);
  for (const auto& r : builtin_resources()) {
    group.run([&ctx, r] {
      if (auto list = fetch_list(ctx, kName, list_path(r))) {
        write_list_and_objects(ctx, kName, r.group, r.resource, std::move(*list));
      }
    });
  }
  group.wait();
}

}  // namespace kmg::collectors
