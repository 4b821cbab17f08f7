// The one definition of where things go inside a bundle. The writer (collectors) and the reader
// (report) both use it, so `report BUNDLE` cannot drift from `collect`. Every name from a server
// passes through safe_path_component() here. Paths are relative to the bundle's top folder.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kmg::bundle::layout {

inline constexpr std::string_view kReport = "REPORT.md";
inline constexpr std::string_view kReportJson = "report.json";
inline constexpr std::string_view kManifest = "manifest.json";
inline constexpr std::string_view kAttachments = "attachments";
inline constexpr std::string_view kRecorded = "recorded";

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

// What a flight recording (`record`) adds, under recorded/ (see record/finish.h):
// recorded/clusters.jsonl: the clusters' lifecycle as the recorder wrote it, one ClusterEvent
// JSON object per line (record/recording.h), chronological.
std::string recorded_clusters();
// recorded/clusters/<c>/history/<resource>[.<group>].jsonl: every version of every object of
// that resource the recorder saw, chronological, one ObjectChange line each
// ({"at","type":LISTED|ADDED|MODIFIED|DELETED,"group","version","resource","object"}). Core
// events are "events.jsonl".
std::string recorded_history(std::string_view cluster, std::string_view group,
                             std::string_view resource);
// recorded/clusters/<c>/deleted/<resource>[.<group>].json: the objects deleted during the run,
// {"apiVersion":"v1","kind":"List","items":[...]}: each item is the last version seen, with the
// time of its DELETED change in the annotation kDeletedAtAnnotation (RFC 3339, nanoseconds).
std::string recorded_deleted(std::string_view cluster, std::string_view group,
                             std::string_view resource);
inline constexpr std::string_view kDeletedAtAnnotation = "kind-must-gather.io/deleted-at";
// recorded/clusters/<c>/logs/<ns>/<pod>/<container>/<instance>.log: one container instance's
// whole recorded log (a truncation marker first when the recorder dropped its head). Instance
// names sort by start ("<restart count, 4 digits>-<container id prefix>").
std::string recorded_log(std::string_view cluster, std::string_view ns, std::string_view pod,
                         std::string_view container, std::string_view instance);

// What a bundle-relative path is, read back: the inverse of the builders above.
enum class EntryKind {
  unknown,        // no builder makes this path (cluster is still set under clusters/<c>/)
  report,         // REPORT.md
  report_json,    // report.json
  manifest,       // manifest.json
  attachment,     // attachments/<file> (file may hold '/')
  version,        // clusters/<c>/version.json
  event_list,     // clusters/<c>/events.json
  events_text,    // clusters/<c>/events.txt
  list,           // clusters/<c>/lists/<resource>[.<group>].json
  node_yaml,      // clusters/<c>/nodes/<node>.yaml
  node_describe,  // clusters/<c>/nodes/<node>.describe.txt
  node_file,      // clusters/<c>/node-logs/<node>/<file> (file may hold '/')
  pod_yaml,       // clusters/<c>/namespaces/<ns>/pods/<pod>/pod.yaml
  pod_describe,   // .../pods/<pod>/describe.txt
  container_log,  // .../pods/<pod>/logs/<container>.log
  previous_log,   // .../pods/<pod>/logs/<container>.previous.log
  object,         // clusters/<c>/{namespaces/<ns>,cluster-scoped}/<group|core>/<res>/<name>.yaml
  trace,          // clusters/<c>/traces/<jaeger>/<service>.json
  recorded_clusters,  // recorded/clusters.jsonl
  recorded_history,   // recorded/clusters/<c>/history/<resource>[.<group>].jsonl
  recorded_deleted,   // recorded/clusters/<c>/deleted/<resource>[.<group>].json
  recorded_log,       // recorded/clusters/<c>/logs/<ns>/<pod>/<container>/<instance>.log
};

// The fields of a parsed path, as they appear in it (a recorded_* path under
// recorded/clusters/<c>/ sets `cluster` too: callers that read clusters/<c>/ test the kind): a
// builder's argument comes back as safe_path_component(argument), which is the argument itself for
// any ordinary name. Fields a kind does not have stay empty.
struct Entry {
  EntryKind kind = EntryKind::unknown;
  std::string cluster;  // folder under clusters/
  std::string ns;       // namespace; empty for cluster-scoped objects
  std::string pod, container, node;
  std::string group;     // API group, "" for core (objects and lists)
  std::string resource;  // plural resource (objects and lists)
  std::string name;      // object name
  std::string list_key;  // "<resource>[.<group>]", the list (history, deleted) file's stem
  std::string file;      // node_file's file, attachment's relative path
  std::string jaeger;    // trace: "<namespace>.<jaeger-service>"
  std::string service;   // trace: the traced service
  std::string instance;  // recorded_log: the container instance
};

// Never throws: a path no builder makes gives EntryKind::unknown. Ambiguities the builders
// allow only with names Kubernetes refuses are read the Kubernetes way: a list stem splits at
// its first dot (resources have none), "core" is the core group, a container named
// "x.previous" does not exist (container names are DNS labels).
Entry parse(std::string_view relative_path);

std::string_view kind_name(EntryKind kind);

// The path of a parsed entry, made by the builders above: path(parse(p)) == p for every path
// parse() recognises whose names are already safe (what the gather writes). "" for unknown.
std::string path(const Entry& entry);  // "container_log", ... for messages and tests

}  // namespace kmg::bundle::layout
