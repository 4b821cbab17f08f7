// The one definition of where things go inside a bundle. The writer (collectors) and the reader
// (report) both use it, so `report BUNDLE` cannot drift from `collect`. Every name from a server
// passes through safe_path_component() here. Paths are relative to the bundle's top folder.
#pragma once

#include <string>
#include <string_view>

namespace kmg::bundle::layout {

inline constexpr std::string_view kReport = "REPORT.md";
inline constexpr std::string_view kReportJson = "report.json";
inline constexpr std::string_view kManifest = "manifest.json";
inline constexpr std::string_view kAttachments = "attachments";

// clusters/<cluster>
std::string cluster_dir(std::string_view cluster);
// clusters/<cluster>/version.json
std::string version_json(std::string_view cluster);
// clusters/<cluster>/events.json (core/v1 EventList, all namespaces), events.txt (chronological)
std::string events_json(std::string_view cluster);
std::string events_txt(std::string_view cluster);
// clusters/<cluster>/lists/<resource>[.<group>].json: the whole List as the API returned it
// (all pages merged into one "items" array). What the report reads; "pods", "nodes",
// "deployments.apps", "jobs.batch", "widgets.example.com"...
std::string list_json(std::string_view cluster, std::string_view group, std::string_view resource);
// clusters/<cluster>/nodes/<node>.yaml and .describe.txt
std::string node_yaml(std::string_view cluster, std::string_view node);
std::string node_describe(std::string_view cluster, std::string_view node);
// clusters/<cluster>/node-logs/<node>/<file> (kubelet.log, containerd.log, journal.log,
// images.log, containers.log, containerd-config.toml, serial.log, inspect.json, pods/...)
std::string node_log(std::string_view cluster, std::string_view node, std::string_view file);
// clusters/<cluster>/namespaces/<ns>/pods/<pod>/{pod.yaml,describe.txt}
std::string pod_dir(std::string_view cluster, std::string_view ns, std::string_view pod);
std::string pod_yaml(std::string_view cluster, std::string_view ns, std::string_view pod);
std::string pod_describe(std::string_view cluster, std::string_view ns, std::string_view pod);
// .../pods/<pod>/logs/<container>.log or <container>.previous.log
std::string container_log(std::string_view cluster, std::string_view ns, std::string_view pod,
                          std::string_view container, bool previous);
// Namespaced: clusters/<c>/namespaces/<ns>/<group or "core">/<resource>/<name>.yaml
// Cluster-scoped (ns empty): clusters/<c>/cluster-scoped/<group or "core">/<resource>/<name>.yaml
std::string object_yaml(std::string_view cluster, std::string_view ns, std::string_view group,
                        std::string_view resource, std::string_view name);
// clusters/<c>/traces/<namespace>.<jaeger-service>/<service>.json
std::string traces_json(std::string_view cluster, std::string_view jaeger,
                        std::string_view service);
// attachments/<name>
std::string attachment(std::string_view relative);

}  // namespace kmg::bundle::layout
