#include "bundle/layout.h"

#include "util/path.h"

namespace kmg::bundle::layout {
namespace {

std::string s(std::string_view name) { return safe_path_component(name); }
std::string group_dir(std::string_view group) { return group.empty() ? "core" : s(group); }

}  // namespace

std::string cluster_dir(std::string_view cluster) { return "clusters/" + s(cluster); }
std::string version_json(std::string_view cluster) {
  return cluster_dir(cluster) + "/version.json";
}
std::string events_json(std::string_view cluster) { return cluster_dir(cluster) + "/events.json"; }
std::string events_txt(std::string_view cluster) { return cluster_dir(cluster) + "/events.txt"; }

std::string list_json(std::string_view cluster, std::string_view group, std::string_view resource) {
  std::string name(resource);
  if (!group.empty()) name += "." + std::string(group);
  return cluster_dir(cluster) + "/lists/" + s(name) + ".json";
}

std::string node_yaml(std::string_view cluster, std::string_view node) {
  return cluster_dir(cluster) + "/nodes/" + s(node) + ".yaml";
}
std::string node_describe(std::string_view cluster, std::string_view node) {
  return cluster_dir(cluster) + "/nodes/" + s(node) + ".describe.txt";
}
std::string node_log(std::string_view cluster, std::string_view node, std::string_view file) {
  return cluster_dir(cluster) + "/node-logs/" + s(node) + "/" + std::string(file);
}

std::string pod_dir(std::string_view cluster, std::string_view ns, std::string_view pod) {
  return cluster_dir(cluster) + "/namespaces/" + s(ns) + "/pods/" + s(pod);
}
std::string pod_yaml(std::string_view cluster, std::string_view ns, std::string_view pod) {
  return pod_dir(cluster, ns, pod) + "/pod.yaml";
}
std::string pod_describe(std::string_view cluster, std::string_view ns, std::string_view pod) {
  return pod_dir(cluster, ns, pod) + "/describe.txt";
}
std::string container_log(std::string_view cluster, std::string_view ns, std::string_view pod,
                          std::string_view container, bool previous) {
  return pod_dir(cluster, ns, pod) + "/logs/" + s(container) +
         (previous ? ".previous.log" : ".log");
}

std::string object_yaml(std::string_view cluster, std::string_view ns, std::string_view group,
                        std::string_view resource, std::string_view name) {
  const std::string scope = ns.empty() ? cluster_dir(cluster) + "/cluster-scoped"
                                       : cluster_dir(cluster) + "/namespaces/" + s(ns);
  return scope + "/" + group_dir(group) + "/" + s(resource) + "/" + s(name) + ".yaml";
}

std::string traces_json(std::string_view cluster, std::string_view jaeger,
                        std::string_view service) {
  return cluster_dir(cluster) + "/traces/" + s(jaeger) + "/" + s(service) + ".json";
}

std::string attachment(std::string_view relative) {
  return std::string(kAttachments) + "/" + std::string(relative);
}

}  // namespace kmg::bundle::layout
