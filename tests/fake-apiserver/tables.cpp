#include "tables.h"

#include <map>

#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

const char* kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char* kAgeDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the "
    "system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

json column(const std::string& name, const std::string& type, int priority = 0,
            const std::string& description = "", const std::string& format = "") {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", priority}};
}

std::string str(const json& o, std::initializer_list<const char*> path) {
  const json* cur = &o;
  for (const char* p : path) {
    if (!cur->is_object() || !cur->contains(p)) return "";
    cur = &(*cur)[p];
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

std::string since(const std::string& timestamp, std::int64_t now) {
  const auto t = parse_rfc3339(timestamp);
  if (!t) return "<unknown>";
  const std::int64_t seconds = now - *t / 1000000000;
  if (seconds < -1) return "<invalid>";
  return short_duration(seconds);
}

// Resolves a CRD printer column's simple JSONPath (".spec.a.b"); richer paths render empty.
json json_path_cell(const json& obj, const std::string& path) {
  if (path.empty() || path[0] != '.') return nullptr;
  const json* cur = &obj;
  size_t pos = 1;
  while (pos <= path.size()) {
    const auto next = path.find('.', pos);
    const std::string key =
        path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (key.find_first_of("[]()?@") != std::string::npos) return nullptr;
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return *cur;
}

json pod_row_conditions(const json& pod) {
  const auto phase = str(pod, {"status", "phase"});
  if (phase == "Succeeded") {
    return json::array({{{"type", "Completed"},
                         {"status", "True"},
                         {"reason", ""},
                         {"message", "The pod has completed successfully."}}});
  }
  if (phase == "Failed") {
    return json::array({{{"type", "Completed"},
                         {"status", "True"},
                         {"reason", ""},
                         {"message", "The pod failed."}}});
  }
  return nullptr;
}

std::vector<json> pod_cells(const json& pod, std::int64_t now) {
  const auto s = summarize_pod(pod, now);
  std::string ip;
  const auto& status = pod.value("status", json::object());
  if (status.contains("podIPs") && !status["podIPs"].empty()) {
    ip = status["podIPs"][0].value("ip", "");
  }
  if (ip.empty()) ip = str(pod, {"status", "podIP"});
  auto none = [](std::string v) { return v.empty() ? std::string("<none>") : v; };
  std::string gates = "<none>";
  const auto& spec = pod.value("spec", json::object());
  if (spec.contains("readinessGates") && !spec["readinessGates"].empty()) {
    int ready = 0;
    for (const auto& g : spec["readinessGates"]) {
      for (const auto& c : status.value("conditions", json::array())) {
        if (c.value("type", "") == g.value("conditionType", "") &&
            c.value("status", "") == "True") {
          ++ready;
        }
      }
    }
    gates = std::to_string(ready) + "/" + std::to_string(spec["readinessGates"].size());
  }
  return {str(pod, {"metadata", "name"}),
          s.ready,
          s.status,
          s.restarts,
          since(str(pod, {"metadata", "creationTimestamp"}), now),
          none(ip),
          none(str(pod, {"spec", "nodeName"})),
          none(str(pod, {"status", "nominatedNodeName"})),
          gates};
}

std::vector<json> node_cells(const json& node, std::int64_t now) {
  std::string status = "Unknown";
  for (const auto& c : node.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready")
      status = c.value("status", "") == "True" ? "Ready" : "NotReady";
  }
  if (node.value("spec", json::object()).value("unschedulable", false)) {
    status += ",SchedulingDisabled";
  }
  std::string roles;
  const json labels = node["metadata"].value("labels", json::object());
  for (const auto& [k, v] : labels.items()) {
    const std::string prefix = "node-role.kubernetes.io/";
    if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size()) {
      roles += (roles.empty() ? "" : ",") + k.substr(prefix.size());
    }
  }
  std::string internal, external;
  for (const auto& a : node.value("status", json::object()).value("addresses", json::array())) {
    if (a.value("type", "") == "InternalIP" && internal.empty()) internal = a.value("address", "");
    if (a.value("type", "") == "ExternalIP" && external.empty()) external = a.value("address", "");
  }
  auto none = [](std::string v) { return v.empty() ? std::string("<none>") : v; };
  return {str(node, {"metadata", "name"}),
          status,
          none(roles),
          since(str(node, {"metadata", "creationTimestamp"}), now),
          str(node, {"status", "nodeInfo", "kubeletVersion"}),
          none(internal),
          none(external),
          str(node, {"status", "nodeInfo", "osImage"}),
          str(node, {"status", "nodeInfo", "kernelVersion"}),
          str(node, {"status", "nodeInfo", "containerRuntimeVersion"})};
}

std::vector<json> event_cells(const json& ev, std::int64_t now) {
  std::string last = str(ev, {"lastTimestamp"});
  if (last.empty()) last = str(ev, {"eventTime"});
  std::string first = str(ev, {"firstTimestamp"});
  if (first.empty()) first = str(ev, {"eventTime"});
  std::string kind = str(ev, {"involvedObject", "kind"});
  for (auto& c : kind) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string source = str(ev, {"source", "component"});
  if (source.empty()) source = str(ev, {"reportingComponent"});
  const auto host = str(ev, {"source", "host"});
  if (!host.empty()) source += ", " + host;
  const int count = ev.value("count", 1);
  return {last.empty() ? "<unknown>" : since(last, now),
          str(ev, {"type"}),
          str(ev, {"reason"}),
          kind + "/" + str(ev, {"involvedObject", "name"}),
          str(ev, {"involvedObject", "fieldPath"}),
          source,
          str(ev, {"message"}),
          first.empty() ? "<unknown>" : since(first, now),
          count,
          str(ev, {"metadata", "name"})};
}

// kube-aggregator's APIService table (pkg/registry/apiservice/etcd ConvertToTable): SERVICE is
// "Local" or namespace/name, AVAILABLE the Available condition's status, with its reason when
// not True.
std::vector<json> apiservice_cells(const json& svc, std::int64_t now) {
  std::string service = "Local";
  const auto& spec = svc.value("spec", json::object());
  if (spec.contains("service") && spec["service"].is_object()) {
    service = str(spec, {"service", "namespace"}) + "/" + str(spec, {"service", "name"});
  }
  std::string available = "Unknown";
  for (const auto& c : svc.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") != "Available") continue;
    const std::string status = c.value("status", "");
    const std::string reason = c.value("reason", "");
    available = status == "True" || reason.empty() ? status : status + " (" + reason + ")";
    break;
  }
  return {str(svc, {"metadata", "name"}), service, available,
          since(str(svc, {"metadata", "creationTimestamp"}), now)};
}

}  // namespace

PodSummary summarize_pod(const json& pod, std::int64_t now) {
  const auto& status = pod.value("status", json::object());
  const auto& spec = pod.value("spec", json::object());
  int restarts = 0;
  int ready = 0;
  int total = static_cast<int>(spec.value("containers", json::array()).size());
  std::string last_restart;  // RFC3339, compared as text (same format)
  std::string reason = status.value("phase", "");
  if (!status.value("reason", "").empty()) reason = status["reason"].get<std::string>();
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "PodScheduled" && c.value("reason", "") == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }
  std::map<std::string, bool> restartable_init;
  for (const auto& c : spec.value("initContainers", json::array())) {
    const bool always = c.value("restartPolicy", "") == "Always";
    restartable_init[c.value("name", "")] = always;
    if (always) ++total;
  }
  const auto init_statuses = status.value("initContainerStatuses", json::array());
  const auto init_count = spec.value("initContainers", json::array()).size();
  bool initializing = false;
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const auto& c = init_statuses[i];
    restarts += c.value("restartCount", 0);
    const auto& state = c.value("state", json::object());
    const bool restartable = restartable_init[c.value("name", "")];
    if (state.contains("terminated") && state["terminated"].value("exitCode", 0) == 0) continue;
    if (restartable && c.value("started", false)) {
      if (c.value("ready", false)) ++ready;
      continue;
    }
    if (state.contains("terminated")) {
      const auto& t = state["terminated"];
      if (t.value("reason", "").empty()) {
        reason = t.value("signal", 0) != 0
                     ? "Init:Signal:" + std::to_string(t.value("signal", 0))
                     : "Init:ExitCode:" + std::to_string(t.value("exitCode", 0));
      } else {
        reason = "Init:" + t.value("reason", "");
      }
    } else if (state.contains("waiting") && !state["waiting"].value("reason", "").empty() &&
               state["waiting"].value("reason", "") != "PodInitializing") {
      reason = "Init:" + state["waiting"].value("reason", "");
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(init_count);
    }
    initializing = true;
    break;
  }
  bool initialized_true = false;
  bool has_ready_condition = false;
  for (const auto& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == "Initialized" && c.value("status", "") == "True") {
      initialized_true = true;
    }
    if (c.value("type", "") == "Ready" && c.value("status", "") == "True") {
      has_ready_condition = true;
    }
  }
  if (!initializing || initialized_true) {
    restarts = 0;
    last_restart.clear();
    bool has_running = false;
    const auto statuses = status.value("containerStatuses", json::array());
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const auto& c = *it;
      restarts += c.value("restartCount", 0);
      const auto& last_state = c.value("lastState", json::object());
      if (last_state.contains("terminated")) {
        const auto finished = last_state["terminated"].value("finishedAt", "");
        if (finished > last_restart) last_restart = finished;
      }
      const auto& state = c.value("state", json::object());
      if (state.contains("waiting") && !state["waiting"].value("reason", "").empty()) {
        reason = state["waiting"]["reason"].get<std::string>();
      } else if (state.contains("terminated") && !state["terminated"].value("reason", "").empty()) {
        reason = state["terminated"]["reason"].get<std::string>();
      } else if (state.contains("terminated")) {
        const auto& t = state["terminated"];
        reason = t.value("signal", 0) != 0 ? "Signal:" + std::to_string(t.value("signal", 0))
                                           : "ExitCode:" + std::to_string(t.value("exitCode", 0));
      } else if (c.value("ready", false) && state.contains("running")) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) reason = has_ready_condition ? "Running" : "NotReady";
  }
  const auto& md = pod.value("metadata", json::object());
  const bool terminal =
      status.value("phase", "") == "Succeeded" || status.value("phase", "") == "Failed";
  if (md.contains("deletionTimestamp") && status.value("reason", "") == "NodeLost") {
    reason = "Unknown";
  } else if (md.contains("deletionTimestamp") && !terminal) {
    reason = "Terminating";
  }
  PodSummary out;
  out.ready = std::to_string(ready) + "/" + std::to_string(total);
  out.status = reason;
  out.restarts = std::to_string(restarts);
  if (restarts != 0 && !last_restart.empty()) {
    out.restarts += " (" + since(last_restart, now) + " ago)";
  }
  return out;
}

json make_table(const ResourceInfo& r, const std::vector<json>& items,
                const std::string& include_object, std::int64_t now) {
  json columns = json::array();
  const bool core = r.group.empty();
  enum class Printer {
    kPod,
    kNode,
    kEvent,
    kNamespace,
    kCrd,
    kApiService,
    kCustom,
    kDefault
  } printer;
  if (core && r.plural == "pods") {
    printer = Printer::kPod;
    columns = {
        column("Name", "string", 0, kNameDoc, "name"),
        column("Ready", "string", 0,
               "The aggregate readiness state of this pod for accepting traffic."),
        column("Status", "string", 0, "The aggregate status of the containers in this pod."),
        column("Restarts", "string", 0,
               "The number of times the containers in this pod have been restarted and when "
               "the last container in this pod has restarted."),
        column("Age", "string", 0, kAgeDoc),
        column("IP", "string", 1,
               "IP address allocated to the pod. Routable at least within the cluster. Empty if "
               "not yet allocated."),
        column("Node", "string", 1,
               "NodeName is a request to schedule this pod onto a specific node."),
        column("Nominated Node", "string", 1,
               "nominatedNodeName is set only when this pod preempts other pods on the node."),
        column("Readiness Gates", "string", 1,
               "If specified, all readiness gates will be evaluated for pod readiness.")};
  } else if (core && r.plural == "nodes") {
    printer = Printer::kNode;
    columns = {
        column("Name", "string", 0, kNameDoc, "name"),
        column("Status", "string", 0, "The status of the node"),
        column("Roles", "string", 0, "The roles of the node"),
        column("Age", "string", 0, kAgeDoc),
        column("Version", "string", 0, "Kubelet Version reported by the node."),
        column(
            "Internal-IP", "string", 1,
            "List of addresses reachable to the node. Queried from cloud provider, if available."),
        column(
            "External-IP", "string", 1,
            "List of addresses reachable to the node. Queried from cloud provider, if available."),
        column("OS-Image", "string", 1,
               "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
               "(wheezy))."),
        column("Kernel-Version", "string", 1,
               "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
        column("Container-Runtime", "string", 1,
               "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
               "containerd://1.4.2).")};
  } else if (core && r.plural == "events") {
    printer = Printer::kEvent;
    columns = {
        column("Last Seen", "string", 0, "The last time this event was observed."),
        column("Type", "string", 0,
               "Type of this event (Normal, Warning), new types could be added in the future."),
        column("Reason", "string", 0, "The reason for the event."),
        column("Object", "string", 0, "The object that this event is about."),
        column("Subobject", "string", 1, "The subobject (fieldPath) that this event is about."),
        column("Source", "string", 1, "The component reporting this event."),
        column("Message", "string", 0,
               "A human-readable description of the status of this operation."),
        column("First Seen", "string", 1, "The first time this event was observed."),
        column("Count", "integer", 1, "The number of times this event has occurred."),
        column("Name", "string", 1, kNameDoc, "name")};
  } else if (core && r.plural == "namespaces") {
    printer = Printer::kNamespace;
    columns = {column("Name", "string", 0, kNameDoc, "name"),
               column("Status", "string", 0, "The status of the namespace"),
               column("Age", "string", 0, kAgeDoc)};
  } else if (r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions") {
    printer = Printer::kCrd;
    columns = {column("Name", "string", 0, kNameDoc, "name"),
               column("Created At", "date", 0, kAgeDoc)};
  } else if (r.group == "apiregistration.k8s.io" && r.plural == "apiservices") {
    printer = Printer::kApiService;
    columns = {column("Name", "string", 0, kNameDoc, "name"),
               column("Service", "string", 0,
                      "The reference to the service that hosts this API endpoint."),
               column("Available", "string", 0, "Whether this service is available."),
               column("Age", "string", 0, kAgeDoc)};
  } else if (r.custom) {
    printer = Printer::kCustom;
    columns = {column("Name", "string", 0, kNameDoc, "name")};
    if (r.printer_columns.empty()) {
      columns.push_back(column("Age", "date", 0, kAgeDoc));
    }
    for (const auto& pc : r.printer_columns) {
      columns.push_back(column(pc.value("name", ""), pc.value("type", "string"),
                               pc.value("priority", 0), pc.value("description", ""),
                               pc.value("format", "")));
    }
  } else {
    printer = Printer::kDefault;
    columns = {column("Name", "string", 0, kNameDoc, "name"), column("Age", "string", 0, kAgeDoc)};
  }

  json rows = json::array();
  for (const auto& item : items) {
    json row;
    std::vector<json> cells;
    switch (printer) {
      case Printer::kPod:
        cells = pod_cells(item, now);
        if (auto cond = pod_row_conditions(item); !cond.is_null()) row["conditions"] = cond;
        break;
      case Printer::kNode:
        cells = node_cells(item, now);
        break;
      case Printer::kEvent:
        cells = event_cells(item, now);
        break;
      case Printer::kNamespace:
        cells = {str(item, {"metadata", "name"}), str(item, {"status", "phase"}),
                 since(str(item, {"metadata", "creationTimestamp"}), now)};
        break;
      case Printer::kCrd:
        cells = {str(item, {"metadata", "name"}), str(item, {"metadata", "creationTimestamp"})};
        break;
      case Printer::kApiService:
        cells = apiservice_cells(item, now);
        break;
      case Printer::kCustom:
        cells = {str(item, {"metadata", "name"})};
        if (r.printer_columns.empty()) {
          cells.push_back(since(str(item, {"metadata", "creationTimestamp"}), now));
        }
        for (const auto& pc : r.printer_columns) {
          json v = json_path_cell(item, pc.value("jsonPath", ""));
          if (pc.value("type", "") == "date" && v.is_string()) v = since(v.get<std::string>(), now);
          cells.push_back(v);
        }
        break;
      case Printer::kDefault:
        cells = {str(item, {"metadata", "name"}),
                 since(str(item, {"metadata", "creationTimestamp"}), now)};
        break;
    }
    row["cells"] = cells;
    if (include_object == "Object") {
      json full = item;
      if (!full.contains("kind")) full["kind"] = r.kind;
      if (!full.contains("apiVersion")) full["apiVersion"] = r.group_version();
      row["object"] = full;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", item.value("metadata", json::object())}};
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", json::object()},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace kmg::fakeapi
