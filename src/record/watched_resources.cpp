#include "record/watched_resources.h"

namespace kmg::record {

std::string WatchedResource::collection_path() const {
  return (group.empty() ? std::string("/api/") : "/apis/" + group + "/") + version + "/" + resource;
}

std::string WatchedResource::id() const {
  return (group.empty() ? std::string() : group + "/") + version + "/" + resource;
}

const std::vector<WatchedResource>& builtin_watched() {
  // ConfigMaps are in: sanitize_object masks their sensitive values as a gather does.
  static const std::vector<WatchedResource> table = {
      {"apiextensions.k8s.io", "v1", "customresourcedefinitions"},
      {"", "v1", "pods"},
      {"", "v1", "events"},
      {"events.k8s.io", "v1", "events"},
      {"", "v1", "nodes"},
      {"", "v1", "namespaces"},
      {"", "v1", "services"},
      {"", "v1", "endpoints"},
      {"", "v1", "persistentvolumeclaims"},
      {"", "v1", "configmaps"},
      {"apps", "v1", "deployments"},
      {"apps", "v1", "replicasets"},
      {"apps", "v1", "statefulsets"},
      {"apps", "v1", "daemonsets"},
      {"batch", "v1", "jobs"},
      {"batch", "v1", "cronjobs"},
  };
  return table;
}

bool never_watched(const WatchedResource& r) { return r.group.empty() && r.resource == "secrets"; }

namespace {

std::string served_version(const nlohmann::json& versions) {
  std::string first_served;
  for (const auto& v : versions) {
    if (!v.is_object() || !v.value("served", false)) continue;
    const std::string name = v.value("name", "");
    if (v.value("storage", false)) return name;
    if (first_served.empty()) first_served = name;
  }
  return first_served;
}

}  // namespace

std::optional<WatchedResource> custom_resource_of(const nlohmann::json& crd) {
  const auto spec = crd.find("spec");
  if (spec == crd.end() || !spec->is_object()) return std::nullopt;
  const auto names = spec->find("names");
  const auto versions = spec->find("versions");
  if (names == spec->end() || !names->is_object() || versions == spec->end() ||
      !versions->is_array()) {
    return std::nullopt;
  }
  WatchedResource r{spec->value("group", ""), served_version(*versions),
                    names->value("plural", "")};
  if (r.group.empty() || r.version.empty() || r.resource.empty() || never_watched(r)) {
    return std::nullopt;
  }
  return r;
}

}  // namespace kmg::record
