#include "bundle/layout.h"

#include "util/path.h"

namespace kmg::bundle::layout {
namespace {

std::string s(std::string_view name) { return safe_path_component(name); }
std::string group_dir(std::string_view group) { return group.empty() ? "core" : s(group); }
// "<resource>[.<group>]", sanitized: the stem of list, history and deleted files.
std::string list_stem(std::string_view group, std::string_view resource) {
  std::string name(resource);
  if (!group.empty()) name += "." + std::string(group);
  return s(name);
}
std::string recorded_cluster_dir(std::string_view cluster) {
  return std::string(kRecorded) + "/clusters/" + s(cluster);
}

}  // namespace

std::string cluster_dir(std::string_view cluster) { return "clusters/" + s(cluster); }
std::string version_json(std::string_view cluster) {
  return cluster_dir(cluster) + "/version.json";
}
std::string events_json(std::string_view cluster) { return cluster_dir(cluster) + "/events.json"; }
std::string events_txt(std::string_view cluster) { return cluster_dir(cluster) + "/events.txt"; }

std::string list_json(std::string_view cluster, std::string_view group, std::string_view resource) {
  return cluster_dir(cluster) + "/lists/" + list_stem(group, resource) + ".json";
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

std::string recorded_clusters() { return std::string(kRecorded) + "/clusters.jsonl"; }
std::string recorded_history(std::string_view cluster, std::string_view group,
                             std::string_view resource) {
  return recorded_cluster_dir(cluster) + "/history/" + list_stem(group, resource) + ".jsonl";
}
std::string recorded_deleted(std::string_view cluster, std::string_view group,
                             std::string_view resource) {
  return recorded_cluster_dir(cluster) + "/deleted/" + list_stem(group, resource) + ".json";
}
std::string recorded_log(std::string_view cluster, std::string_view ns, std::string_view pod,
                         std::string_view container, std::string_view instance) {
  return recorded_cluster_dir(cluster) + "/logs/" + s(ns) + "/" + s(pod) + "/" + s(container) +
         "/" + s(instance) + ".log";
}

}  // namespace kmg::bundle::layout

// ---- Reading paths back ----

namespace kmg::bundle::layout {
namespace {

using Parts = std::vector<std::string_view>;

// Components of a path; nullopt-like empty result for a path with an empty, "." or ".."
// component, which no builder makes (safe_path_component never yields them).
Parts split_clean(std::string_view path) {
  Parts parts;
  while (true) {
    const auto slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return {};
    parts.push_back(part);
    if (slash == std::string_view::npos) return parts;
    path.remove_prefix(slash + 1);
  }
}

// Removes `suffix` when `s` ends with it and keeps a non-empty stem.
// Removes `suffix`; false when absent or when what is left is not a name the gather writes
// ("." and ".." never come out of safe_path_component).
bool strip(std::string_view& s, std::string_view suffix) {
  if (s.size() <= suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return s != "." && s != "..";
}

std::string join_from(const Parts& parts, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < parts.size(); ++i) {
    if (i > first) out += '/';
    out += parts[i];
  }
  return out;
}

Entry kind_only(Entry e, EntryKind kind) {
  e.kind = kind;
  return e;
}

// <group|core>/<resource>/<name>.yaml starting at parts[first].
Entry object_entry(Entry e, const Parts& p, std::size_t first) {
  std::string_view name = p.size() == first + 3 ? p[first + 2] : std::string_view();
  if (!strip(name, ".yaml")) return e;
  e.group = p[first] == "core" ? std::string() : std::string(p[first]);
  e.resource = p[first + 1];
  e.name = name;
  return kind_only(std::move(e), EntryKind::object);
}

// namespaces/<ns>/pods/<pod>/{pod.yaml,describe.txt,logs/<container>[.previous].log}
Entry pod_entry(Entry e, const Parts& p) {
  e.pod = p[5];
  if (p.size() == 7 && p[6] == "pod.yaml") return kind_only(std::move(e), EntryKind::pod_yaml);
  if (p.size() == 7 && p[6] == "describe.txt")
    return kind_only(std::move(e), EntryKind::pod_describe);
  std::string_view file = p.size() == 8 && p[6] == "logs" ? p[7] : std::string_view();
  if (strip(file, ".previous.log")) {
    e.container = file;
    return kind_only(std::move(e), EntryKind::previous_log);
  }
  if (strip(file, ".log")) {
    e.container = file;
    return kind_only(std::move(e), EntryKind::container_log);
  }
  e.pod.clear();
  return e;
}

Entry namespaced_entry(Entry e, const Parts& p) {
  e.ns = p[3];
  if (p.size() >= 7 && p[4] == "pods") {
    Entry pod = pod_entry(e, p);
    if (pod.kind != EntryKind::unknown) return pod;
  }
  Entry object = object_entry(e, p, 4);
  if (object.kind == EntryKind::unknown) object.ns.clear();
  return object;
}

// <resource>[.<group>]<suffix>: a list, a recorded history or a deleted list.
Entry list_entry(Entry e, std::string_view file, std::string_view suffix = ".json",
                 EntryKind kind = EntryKind::list) {
  if (!strip(file, suffix)) return e;
  e.list_key = file;
  // "<resource>.<group>"; a stem ending in its first dot has no group and rebuilds unsplit.
  const auto dot = file.find('.');
  const bool grouped = dot != std::string_view::npos && dot + 1 < file.size();
  e.resource = grouped ? file.substr(0, dot) : file;
  if (grouped) e.group = file.substr(dot + 1);
  return kind_only(std::move(e), kind);
}

Entry node_entry(Entry e, std::string_view file) {
  if (strip(file, ".describe.txt")) {
    e.node = file;
    return kind_only(std::move(e), EntryKind::node_describe);
  }
  if (!strip(file, ".yaml")) return e;
  e.node = file;
  return kind_only(std::move(e), EntryKind::node_yaml);
}

Entry trace_entry(Entry e, const Parts& p) {
  std::string_view service = p[4];
  if (!strip(service, ".json")) return e;
  e.jaeger = p[3];
  e.service = service;
  return kind_only(std::move(e), EntryKind::trace);
}

// clusters/<c>/...: the cluster is known even when the rest is not.
Entry cluster_entry(const Parts& p) {
  Entry e;
  e.cluster = p[1];
  const std::string_view sub = p[2];
  if (p.size() == 3) {
    if (sub == "version.json") return kind_only(std::move(e), EntryKind::version);
    if (sub == "events.json") return kind_only(std::move(e), EntryKind::event_list);
    if (sub == "events.txt") return kind_only(std::move(e), EntryKind::events_text);
    return e;
  }
  if (sub == "lists" && p.size() == 4) return list_entry(std::move(e), p[3]);
  if (sub == "nodes" && p.size() == 4) return node_entry(std::move(e), p[3]);
  if (sub == "node-logs" && p.size() >= 5) {
    e.node = p[3];
    e.file = join_from(p, 4);
    return kind_only(std::move(e), EntryKind::node_file);
  }
  if (sub == "traces" && p.size() == 5) return trace_entry(std::move(e), p);
  if (sub == "namespaces" && p.size() >= 4) return namespaced_entry(std::move(e), p);
  if (sub == "cluster-scoped") return object_entry(std::move(e), p, 3);
  return e;
}

// recorded/clusters/<c>/{history/<key>.jsonl,deleted/<key>.json,logs/<ns>/<pod>/<ctr>/<i>.log}
Entry recorded_entry(const Parts& p) {
  Entry e;
  if (p.size() < 5 || p[1] != "clusters") return e;
  e.cluster = p[2];
  if (p[3] == "history" && p.size() == 5)
    return list_entry(std::move(e), p[4], ".jsonl", EntryKind::recorded_history);
  if (p[3] == "deleted" && p.size() == 5)
    return list_entry(std::move(e), p[4], ".json", EntryKind::recorded_deleted);
  std::string_view instance = p.size() == 8 && p[3] == "logs" ? p[7] : std::string_view();
  if (!strip(instance, ".log")) return e;
  e.ns = p[4];
  e.pod = p[5];
  e.container = p[6];
  e.instance = instance;
  return kind_only(std::move(e), EntryKind::recorded_log);
}

}  // namespace

Entry parse(std::string_view relative_path) {
  const Parts p = split_clean(relative_path);
  Entry e;
  if (p.empty()) return e;
  if (p.size() == 1) {
    if (p[0] == kReport) return kind_only(std::move(e), EntryKind::report);
    if (p[0] == kReportJson) return kind_only(std::move(e), EntryKind::report_json);
    if (p[0] == kManifest) return kind_only(std::move(e), EntryKind::manifest);
    return e;
  }
  if (p[0] == kAttachments) {
    e.file = join_from(p, 1);
    return kind_only(std::move(e), EntryKind::attachment);
  }
  if (p[0] == "clusters" && p.size() >= 3) return cluster_entry(p);
  if (p[0] == kRecorded) {
    if (p.size() == 2 && p[1] == "clusters.jsonl")
      return kind_only(std::move(e), EntryKind::recorded_clusters);
    return recorded_entry(p);
  }
  return e;
}

std::string path(const Entry& e) {
  const std::string& c = e.cluster;
  switch (e.kind) {
    case EntryKind::unknown:
      return {};
    case EntryKind::report:
      return std::string(kReport);
    case EntryKind::report_json:
      return std::string(kReportJson);
    case EntryKind::manifest:
      return std::string(kManifest);
    case EntryKind::attachment:
      return attachment(e.file);
    case EntryKind::version:
      return version_json(c);
    case EntryKind::event_list:
      return events_json(c);
    case EntryKind::events_text:
      return events_txt(c);
    case EntryKind::list:
      return list_json(c, e.group, e.resource);
    case EntryKind::node_yaml:
      return node_yaml(c, e.node);
    case EntryKind::node_describe:
      return node_describe(c, e.node);
    case EntryKind::node_file:
      return node_log(c, e.node, e.file);
    case EntryKind::pod_yaml:
      return pod_yaml(c, e.ns, e.pod);
    case EntryKind::pod_describe:
      return pod_describe(c, e.ns, e.pod);
    case EntryKind::container_log:
    case EntryKind::previous_log:
      return container_log(c, e.ns, e.pod, e.container, e.kind == EntryKind::previous_log);
    case EntryKind::object:
      return object_yaml(c, e.ns, e.group, e.resource, e.name);
    case EntryKind::trace:
      return traces_json(c, e.jaeger, e.service);
    case EntryKind::recorded_clusters:
      return recorded_clusters();
    case EntryKind::recorded_history:
      return recorded_history(c, e.group, e.resource);
    case EntryKind::recorded_deleted:
      return recorded_deleted(c, e.group, e.resource);
    case EntryKind::recorded_log:
      return recorded_log(c, e.ns, e.pod, e.container, e.instance);
  }
  return {};
}

std::string_view kind_name(EntryKind kind) {
  switch (kind) {
    case EntryKind::unknown:
      return "unknown";
    case EntryKind::report:
      return "report";
    case EntryKind::report_json:
      return "report_json";
    case EntryKind::manifest:
      return "manifest";
    case EntryKind::attachment:
      return "attachment";
    case EntryKind::version:
      return "version";
    case EntryKind::event_list:
      return "event_list";
    case EntryKind::events_text:
      return "events_text";
    case EntryKind::list:
      return "list";
    case EntryKind::node_yaml:
      return "node_yaml";
    case EntryKind::node_describe:
      return "node_describe";
    case EntryKind::node_file:
      return "node_file";
    case EntryKind::pod_yaml:
      return "pod_yaml";
    case EntryKind::pod_describe:
      return "pod_describe";
    case EntryKind::container_log:
      return "container_log";
    case EntryKind::previous_log:
      return "previous_log";
    case EntryKind::object:
      return "object";
    case EntryKind::trace:
      return "trace";
    case EntryKind::recorded_clusters:
      return "recorded_clusters";
    case EntryKind::recorded_history:
      return "recorded_history";
    case EntryKind::recorded_deleted:
      return "recorded_deleted";
    case EntryKind::recorded_log:
      return "recorded_log";
  }
  return "unknown";
}

}  // namespace kmg::bundle::layout
