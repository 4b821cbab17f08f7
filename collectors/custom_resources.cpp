#include "collectors/custom_resources.h"

#include <set>
#include <string>

#include "collectors/common.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "custom-resources";

// Groups served by kube-apiserver itself; everything else comes from a CRD or an aggregated API.
bool is_builtin_group(const std::string& group) {
  static const std::set<std::string> builtin = {
      "",
      "apps",
      "batch",
      "autoscaling",
      "policy",
      "rbac.authorization.k8s.io",
      "networking.k8s.io",
      "storage.k8s.io",
      "discovery.k8s.io",
      "events.k8s.io",
      "apiextensions.k8s.io",
      "apiregistration.k8s.io",
      "admissionregistration.k8s.io",
      "authentication.k8s.io",
      "authorization.k8s.io",
      "certificates.k8s.io",
      "coordination.k8s.io",
      "flowcontrol.apiserver.k8s.io",
      "node.k8s.io",
      "scheduling.k8s.io",
      "resource.k8s.io",
      "internal.apiserver.k8s.io",
      "storagemigration.k8s.io",
      "metrics.k8s.io",
  };
  return builtin.contains(group);
}

bool can_list(const nlohmann::json& resource) {
  if (!resource.contains("verbs") || !resource["verbs"].is_array()) return false;
  for (const auto& verb : resource["verbs"]) {
    if (verb == "list") return true;
  }
  return false;
}

// One group-version from discovery: list every top-level listable resource in it.
void collect_group_version(ClusterContext& ctx, TaskGroup& group, const std::string& api_group,
                           const std::string& group_version) {
  auto resources = fetch_json(ctx, kName, "/apis/" + group_version);
  if (!resources || !(*resources)["resources"].is_array()) return;
  for (const auto& r : (*resources)["resources"]) {
    const std::string name = r.value("name", "");
    if (name.empty() || name.find('/') != std::string::npos || !can_list(r)) continue;
    group.run([&ctx, api_group, group_version, name] {
      if (auto list = fetch_list(ctx, kName, "/apis/" + group_version + "/" + name)) {
        write_list_and_objects(ctx, kName, api_group, name, std::move(*list));
      }
    });
  }
}

}  // namespace

void collect_custom_resources(ClusterContext& ctx) {
  TaskGroup group(ctx);
  group.run([&ctx] {
    if (auto crds =
            fetch_list(ctx, kName, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")) {
      write_list_and_objects(ctx, kName, "apiextensions.k8s.io", "customresourcedefinitions",
                             std::move(*crds));
    }
  });
  auto groups = fetch_json(ctx, kName, "/apis");
  if (groups && (*groups)["groups"].is_array()) {
    for (const auto& g : (*groups)["groups"]) {
      const std::string name = g.value("name", "");
      if (is_builtin_group(name)) continue;
      // The preferred version holds every object of the group; listing each served version
      // would only repeat them converted.
      std::string version =
          g.contains("preferredVersion") ? g["preferredVersion"].value("groupVersion", "") : "";
      if (version.empty() && g.contains("versions") && g["versions"].is_array() &&
          !g["versions"].empty()) {
        version = g["versions"][0].value("groupVersion", "");
      }
      if (!version.empty()) collect_group_version(ctx, group, name, version);
    }
  }
  group.wait();
}

}  // namespace kmg::collectors
