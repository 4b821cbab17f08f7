#include "collectors/describe/describe_pod.h"

#include <algorithm>
#include <map>

#include "collectors/describe/describe_common.h"
#include "collectors/describe/events_table.h"
#include "collectors/describe/json_access.h"
#include "collectors/describe/quantity.h"
#include "collectors/describe/tabwriter.h"
#include "util/text.h"

namespace kmg::describe {
namespace {

namespace ja = json_access;
using detail::rfc1123z;
using nlohmann::json;

std::string or_none(const std::string& s) { return s.empty() ? "<none>" : s; }

// Go's %q for the plain strings found in sub-paths.
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// IntOrString as Go prints it.
std::string int_or_string(const json& v) { return ja::text(v); }

std::string controller_of(const json& meta) {
  for (const json& ref : ja::arr(meta, "ownerReferences")) {
    if (ja::flag(ref, "controller")) return ja::str(ref, "kind") + "/" + ja::str(ref, "name");
  }
  return "";
}

void describe_pod_ips(PrefixWriter& w, const json& status) {
  const json& ips = ja::arr(status, "podIPs");
  if (ips.empty()) {
    w.write(0, "IPs:\t<none>\n");
    return;
  }
  w.write(0, "IPs:\n");
  for (const json& ip : ips) w.write(1, "IP:\t" + ja::str(ip, "ip") + "\n");
}

void describe_resources(PrefixWriter& w, const json& resources, int level) {
  for (const char* kind : {"limits", "requests"}) {
    const json& list = ja::at(resources, kind);
    if (!list.is_object() || list.empty()) continue;
    w.write(level, std::string(kind[0] == 'l' ? "Limits" : "Requests") + ":\n");
    std::map<std::string, std::string> sorted;
    for (const auto& [name, value] : list.items()) sorted[name] = quantity_text(value);
    for (const auto& [name, value] : sorted) w.write(level + 1, name + ":\t" + value + "\n");
  }
}

std::string ports_text(const json& container, bool host) {
  std::vector<std::string> ports;
  for (const json& p : ja::arr(container, "ports")) {
    std::string proto = ja::str(p, "protocol");
    if (proto.empty()) proto = "TCP";  // the API server's default
    ports.push_back(std::to_string(ja::num(p, host ? "hostPort" : "containerPort")) + "/" + proto);
  }
  return join(ports, ", ");
}

void describe_basic_info(PrefixWriter& w, const json& c, const json* status) {
  w.write(1, ja::str(c, "name") + ":\n");
  if (status) w.write(2, "Container ID:\t" + ja::str(*status, "containerID") + "\n");
  w.write(2, "Image:\t" + ja::str(c, "image") + "\n");
  if (status) w.write(2, "Image ID:\t" + ja::str(*status, "imageID") + "\n");
  const std::string ports = ports_text(c, false);
  if (ports.find(',') != std::string::npos) {
    w.write(2, "Ports:\t" + ports + "\n");
  } else {
    w.write(2, "Port:\t" + or_none(ports) + "\n");
  }
  const std::string host_ports = ports_text(c, true);
  if (host_ports.find(',') != std::string::npos) {
    w.write(2, "Host Ports:\t" + host_ports + "\n");
  } else {
    w.write(2, "Host Port:\t" + or_none(host_ports) + "\n");
  }
  const json& seccomp = ja::path(c, "securityContext", "seccompProfile");
  if (seccomp.is_object()) {
    const std::string type = ja::str(seccomp, "type");
    w.write(2, "SeccompProfile:\t" + type + "\n");
    if (type == "Localhost") {
      w.write(3, "LocalhostProfile:\t" + ja::str(seccomp, "localhostProfile") + "\n");
    }
  }
}

void describe_command(PrefixWriter& w, const json& c) {
  for (const char* key : {"command", "args"}) {
    const json& items = ja::arr(c, key);
    if (items.empty()) continue;
    w.write(2, std::string(key[0] == 'c' ? "Command" : "Args") + ":\n");
    for (const json& item : items) {
      for (const std::string& line : split(ja::text(item), '\n')) w.write(3, line + "\n");
    }
  }
}

void describe_state(PrefixWriter& w, const std::string& name, const json& state) {
  const json& running = ja::at(state, "running");
  const json& waiting = ja::at(state, "waiting");
  const json& terminated = ja::at(state, "terminated");
  if (running.is_object()) {
    w.write(2, name + ":\tRunning\n");
    w.write(3, "Started:\t" + rfc1123z(ja::at(running, "startedAt")) + "\n");
  } else if (waiting.is_object()) {
    w.write(2, name + ":\tWaiting\n");
    // kubectl prints the waiting reason but not its message.
    const std::string reason = ja::str(waiting, "reason");
    if (!reason.empty()) w.write(3, "Reason:\t" + reason + "\n");
  } else if (terminated.is_object()) {
    w.write(2, name + ":\tTerminated\n");
    const std::string reason = ja::str(terminated, "reason");
    if (!reason.empty()) w.write(3, "Reason:\t" + reason + "\n");
    const std::string message = ja::str(terminated, "message");
    if (!message.empty()) w.write(3, "Message:\t" + message + "\n");
    w.write(3, "Exit Code:\t" + std::to_string(ja::num(terminated, "exitCode")) + "\n");
    const std::int64_t signal = ja::num(terminated, "signal");
    if (signal > 0) w.write(3, "Signal:\t" + std::to_string(signal) + "\n");
    w.write(3, "Started:\t" + rfc1123z(ja::at(terminated, "startedAt")) + "\n");
    w.write(3, "Finished:\t" + rfc1123z(ja::at(terminated, "finishedAt")) + "\n");
  } else {
    w.write(2, name + ":\tWaiting\n");
  }
}

void describe_container_state(PrefixWriter& w, const json& status) {
  describe_state(w, "State", ja::at(status, "state"));
  const json& last = ja::at(status, "lastState");
  if (ja::at(last, "terminated").is_object()) describe_state(w, "Last State", last);
  w.write(2, std::string("Ready:\t") + (ja::flag(status, "ready") ? "True" : "False") + "\n");
  w.write(2, "Restart Count:\t" + std::to_string(ja::num(status, "restartCount")) + "\n");
}

// net.JoinHostPort: brackets around an IPv6 host.
std::string join_host_port(const std::string& host, const std::string& port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + port;
  return host + ":" + port;
}

std::string describe_probe(const json& probe) {
  const std::string attrs = "delay=" + std::to_string(ja::num(probe, "initialDelaySeconds")) +
                            "s timeout=" + std::to_string(ja::num(probe, "timeoutSeconds")) +
                            "s period=" + std::to_string(ja::num(probe, "periodSeconds")) +
                            "s #success=" + std::to_string(ja::num(probe, "successThreshold")) +
                            " #failure=" + std::to_string(ja::num(probe, "failureThreshold"));
  if (const json& exec = ja::at(probe, "exec"); exec.is_object()) {
    std::vector<std::string> cmd;
    for (const json& a : ja::arr(exec, "command")) cmd.push_back(ja::text(a));
    return "exec [" + join(cmd, " ") + "] " + attrs;
  }
  if (const json& http = ja::at(probe, "httpGet"); http.is_object()) {
    const std::string host = ja::str(http, "host");
    const std::string port = int_or_string(ja::at(http, "port"));
    std::string url = to_lower(ja::str(http, "scheme"));
    url += url.empty() ? "//" : "://";
    url += port.empty() ? host : join_host_port(host, port);
    std::string path = ja::str(http, "path");
    if (!path.empty() && path[0] != '/') path = "/" + path;
    return "http-get " + url + path + " " + attrs;
  }
  if (const json& tcp = ja::at(probe, "tcpSocket"); tcp.is_object()) {
    return "tcp-socket " + ja::str(tcp, "host") + ":" + int_or_string(ja::at(tcp, "port")) + " " +
           attrs;
  }
  if (const json& grpc = ja::at(probe, "grpc"); grpc.is_object()) {
    return "grpc <pod>:" + std::to_string(ja::num(grpc, "port")) + " " + ja::str(grpc, "service") +
           " " + attrs;
  }
  return "unknown " + attrs;
}

void describe_probes(PrefixWriter& w, const json& c) {
  static constexpr std::pair<const char*, const char*> kProbes[] = {
      {"livenessProbe", "Liveness"}, {"readinessProbe", "Readiness"}, {"startupProbe", "Startup"}};
  for (const auto& [key, label] : kProbes) {
    const json& probe = ja::at(c, key);
    if (probe.is_object()) w.write(2, std::string(label) + ":\t" + describe_probe(probe) + "\n");
  }
}

void describe_env_from(PrefixWriter& w, const json& c) {
  const json& list = ja::arr(c, "envFrom");
  if (list.empty()) return;
  w.write(2, "Environment Variables from:\n");
  for (const json& e : list) {
    std::string from, name;
    bool optional = false;
    if (const json& cm = ja::at(e, "configMapRef"); cm.is_object()) {
      from = "ConfigMap";
      name = ja::str(cm, "name");
      optional = ja::flag(cm, "optional");
    } else if (const json& s = ja::at(e, "secretRef"); s.is_object()) {
      from = "Secret";
      name = ja::str(s, "name");
      optional = ja::flag(s, "optional");
    }
    const std::string prefix = ja::str(e, "prefix");
    const std::string opt = std::string("Optional: ") + (optional ? "true" : "false");
    if (prefix.empty()) {
      w.write(3, name + "\t" + from + "\t" + opt + "\n");
    } else {
      w.write(3, name + "\t" + from + " with prefix '" + prefix + "'\t" + opt + "\n");
    }
  }
}

// kubectl's EnvValueRetriever converts the field path with kubectl's own scheme, which knows only
// the default conversions (metadata.name, metadata.namespace); every other path (spec.nodeName,
// status.podIP, labels...) prints an empty value, as real `kubectl describe` output shows.
std::string resolve_field_path(const json& pod, const std::string& field_path) {
  const json& meta = ja::at(pod, "metadata");
  if (field_path == "metadata.name") return ja::str(meta, "name");
  if (field_path == "metadata.namespace") return ja::str(meta, "namespace");
  return "";
}

// kubectl's ExtractContainerResourceValue for resourceFieldRef.
std::string resolve_resource_field(const json& c, const json& ref) {
  const std::string resource = ja::str(ref, "resource");
  const auto dot = resource.find('.');
  if (dot == std::string::npos) return "";
  const std::string kind = resource.substr(0, dot);   // limits | requests
  const std::string name = resource.substr(dot + 1);  // cpu | memory | ephemeral-storage
  const ResourceList list = parse_resource_list(ja::path(c, "resources", kind));
  const auto it = list.find(name);
  const Quantity value = it == list.end() ? Quantity() : it->second;
  const Quantity divisor =
      Quantity::parse(ja::text(ja::at(ref, "divisor"))).value_or(*Quantity::parse("1"));
  if (name == "cpu") {
    const std::int64_t d = std::max<std::int64_t>(divisor.milli_value(), 1);
    const std::int64_t v = value.milli_value();
    return std::to_string(v / d + (v % d != 0 && v > 0 ? 1 : 0));
  }
  const std::int64_t d = std::max<std::int64_t>(divisor.value(), 1);
  const std::int64_t v = value.value();
  return std::to_string(v / d + (v % d != 0 && v > 0 ? 1 : 0));
}

void describe_env(PrefixWriter& w, const json& pod, const json& c) {
  const json& env = ja::arr(c, "env");
  w.write(2, env.empty() ? "Environment:\t<none>\n" : "Environment:\n");
  for (const json& e : env) {
    const std::string name = ja::str(e, "name");
    const json& from = ja::at(e, "valueFrom");
    if (!from.is_object()) {
      bool first = true;
      for (const std::string& line : split(ja::str(e, "value"), '\n')) {
        w.write(3, (first ? name + ":\t" : std::string("\t")) + line + "\n");
        first = false;
      }
      continue;
    }
    if (const json& f = ja::at(from, "fieldRef"); f.is_object()) {
      w.write(3, name + ":\t" + resolve_field_path(pod, ja::str(f, "fieldPath")) + " (" +
                     ja::str(f, "apiVersion") + ":" + ja::str(f, "fieldPath") + ")\n");
    } else if (const json& r = ja::at(from, "resourceFieldRef"); r.is_object()) {
      std::string value = resolve_resource_field(c, r);
      const std::string resource = ja::str(r, "resource");
      if (value == "0" && (resource == "limits.cpu" || resource == "limits.memory")) {
        value = "node allocatable";
      }
      w.write(3, name + ":\t" + value + " (" + resource + ")\n");
    } else if (const json& s = ja::at(from, "secretKeyRef"); s.is_object()) {
      w.write(3, name + ":\t<set to the key '" + ja::str(s, "key") + "' in secret '" +
                     ja::str(s, "name") +
                     "'>\tOptional: " + (ja::flag(s, "optional") ? "true" : "false") + "\n");
    } else if (const json& m = ja::at(from, "configMapKeyRef"); m.is_object()) {
      w.write(3, name + ":\t<set to the key '" + ja::str(m, "key") + "' of config map '" +
                     ja::str(m, "name") +
                     "'>\tOptional: " + (ja::flag(m, "optional") ? "true" : "false") + "\n");
    }
  }
}

void describe_mounts(PrefixWriter& w, const json& c) {
  std::vector<const json*> mounts;
  for (const json& m : ja::arr(c, "volumeMounts")) mounts.push_back(&m);
  w.write(2, mounts.empty() ? "Mounts:\t<none>\n" : "Mounts:\n");
  std::stable_sort(mounts.begin(), mounts.end(), [](const json* a, const json* b) {
    return ja::str(*a, "mountPath") < ja::str(*b, "mountPath");
  });
  for (const json* m : mounts) {
    std::string flags = ja::flag(*m, "readOnly") ? "ro" : "rw";
    const std::string sub_path = ja::str(*m, "subPath");
    if (!sub_path.empty()) flags += ",path=" + go_quote(sub_path);
    w.write(3, ja::str(*m, "mountPath") + " from " + ja::str(*m, "name") + " (" + flags + ")\n");
  }
  std::vector<const json*> devices;
  for (const json& d : ja::arr(c, "volumeDevices")) devices.push_back(&d);
  if (devices.empty()) return;
  w.write(2, "Devices:\n");
  std::stable_sort(devices.begin(), devices.end(), [](const json* a, const json* b) {
    return ja::str(*a, "devicePath") < ja::str(*b, "devicePath");
  });
  for (const json* d : devices) {
    w.write(3, ja::str(*d, "devicePath") + " from " + ja::str(*d, "name") + "\n");
  }
}

void describe_containers(PrefixWriter& w, const std::string& label, const json& pod,
                         const json& containers, const json& statuses) {
  std::map<std::string, const json*> by_name;
  for (const json& s : ja::arr(statuses)) by_name[ja::str(s, "name")] = &s;
  w.write(0, label + ":" + (ja::arr(containers).empty() ? " <none>" : "") + "\n");
  for (const json& c : ja::arr(containers)) {
    const auto it = by_name.find(ja::str(c, "name"));
    const json* status = it == by_name.end() ? nullptr : it->second;
    describe_basic_info(w, c, status);
    describe_command(w, c);
    if (status) describe_container_state(w, *status);
    describe_resources(w, ja::at(c, "resources"), 2);
    describe_probes(w, c);
    describe_env_from(w, c);
    describe_env(w, pod, c);
    describe_mounts(w, c);
  }
}

std::string bool_text(const json& obj, std::string_view key) {
  return ja::flag(obj, key) ? "true" : "false";
}

// kubectl prints a projected source's *bool `optional` with %v: "<nil>" when unset. When set it
// prints a pointer address, which tells nobody anything; the value is printed instead.
std::string optional_pointer_text(const json& source) {
  const json& optional = ja::at(source, "optional");
  if (!optional.is_boolean()) return "<nil>";
  return optional.get<bool>() ? "true" : "false";
}

// One volume's detail lines (kubectl's print*VolumeSource), at level 2.
void describe_volume_source(PrefixWriter& w, const json& v) {
  static constexpr const char* kKinds[] = {
      "hostPath",  "emptyDir",    "secret",    "configMap", "persistentVolumeClaim",
      "ephemeral", "downwardAPI", "projected", "nfs",       "csi",
      "image"};
  std::string_view kind;
  for (const char* k : kKinds) {
    if (ja::at(v, k).is_object()) {
      kind = k;
      break;
    }
  }
  const json& s = kind.empty() ? ja::at(v, "") : ja::at(v, kind);
  if (kind == "hostPath") {
    w.write(2, "Type:\tHostPath (bare host directory volume)\n    Path:\t" + ja::str(s, "path") +
                   "\n    HostPathType:\t" +
                   (ja::at(s, "type").is_string() ? ja::str(s, "type") : "<none>") + "\n");
  } else if (kind == "emptyDir") {
    const auto limit = Quantity::parse(ja::text(ja::at(s, "sizeLimit")));
    const std::string size =
        limit && limit->compare(Quantity()) > 0 ? limit->to_string() : "<unset>";
    w.write(2,
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
            "    Medium:\t" +
                ja::str(s, "medium") + "\n    SizeLimit:\t" + size + "\n");
  } else if (kind == "secret") {
    w.write(2, "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t" +
                   ja::str(s, "secretName") + "\n    Optional:\t" + bool_text(s, "optional") +
                   "\n");
  } else if (kind == "configMap") {
    w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t" +
                   ja::str(s, "name") + "\n    Optional:\t" + bool_text(s, "optional") + "\n");
  } else if (kind == "persistentVolumeClaim") {
    w.write(2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
            "namespace)\n    ClaimName:\t" +
                ja::str(s, "claimName") + "\n    ReadOnly:\t" + bool_text(s, "readOnly") + "\n");
  } else if (kind == "ephemeral") {
    w.write(2,
            "Type:\tEphemeralVolume (an inline specification for a volume that gets created "
            "and deleted with the pod)\n");
  } else if (kind == "downwardAPI") {
    w.write(2,
            "Type:\tDownwardAPI (a volume populated by information about the pod)\n"
            "    Items:\n");
    for (const json& item : ja::arr(s, "items")) {
      if (const json& f = ja::at(item, "fieldRef"); f.is_object()) {
        w.write(3, ja::str(f, "fieldPath") + " -> " + ja::str(item, "path") + "\n");
      }
      if (const json& r = ja::at(item, "resourceFieldRef"); r.is_object()) {
        w.write(3, ja::str(r, "resource") + " -> " + ja::str(item, "path") + "\n");
      }
    }
  } else if (kind == "projected") {
    w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
    for (const json& src : ja::arr(s, "sources")) {
      if (const json& sec = ja::at(src, "secret"); sec.is_object()) {
        w.write(2, "SecretName:\t" + ja::str(sec, "name") + "\n    SecretOptionalName:\t" +
                       optional_pointer_text(sec) + "\n");
      } else if (ja::at(src, "downwardAPI").is_object()) {
        w.write(2, "DownwardAPI:\ttrue\n");
      } else if (const json& cm = ja::at(src, "configMap"); cm.is_object()) {
        w.write(2, "ConfigMapName:\t" + ja::str(cm, "name") + "\n    ConfigMapOptional:\t" +
                       optional_pointer_text(cm) + "\n");
      } else if (const json& tok = ja::at(src, "serviceAccountToken"); tok.is_object()) {
        w.write(2, "TokenExpirationSeconds:\t" + ja::str(tok, "expirationSeconds") + "\n");
      }
    }
  } else if (kind == "nfs") {
    w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t" +
                   ja::str(s, "server") + "\n    Path:\t" + ja::str(s, "path") +
                   "\n    ReadOnly:\t" + bool_text(s, "readOnly") + "\n");
  } else if (kind == "csi") {
    w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t" +
                   ja::str(s, "driver") + "\n    FSType:\t" + ja::str(s, "fsType") +
                   "\n    ReadOnly:\t" + bool_text(s, "readOnly") + "\n");
    detail::print_labels(w, "    VolumeAttributes", ja::at(s, "volumeAttributes"));
  } else if (kind == "image") {
    w.write(2, "Type:\tImage (a container image or OCI artifact)\n    Reference:\t" +
                   ja::str(s, "reference") + "\n    PullPolicy:\t" + ja::str(s, "pullPolicy") +
                   "\n");
  } else {
    w.write(1, "<unknown>\n");
  }
}

void describe_volumes(PrefixWriter& w, const json& volumes) {
  if (ja::arr(volumes).empty()) {
    w.write(0, "Volumes:\t<none>\n");
    return;
  }
  w.write(0, "Volumes:\n");
  for (const json& v : ja::arr(volumes)) {
    w.write(1, ja::str(v, "name") + ":\n");
    describe_volume_source(w, v);
  }
}

// qos.GetPodQOS: the recorded class, else computed from requests and limits.
std::string qos_class(const json& pod) {
  const std::string recorded = ja::str(ja::at(pod, "status"), "qosClass");
  if (!recorded.empty()) return recorded;
  ResourceList requests, limits;
  bool guaranteed = true;
  auto consider = [&](const json& c) {
    const ResourceList req = parse_resource_list(ja::path(c, "resources", "requests"));
    const ResourceList lim = parse_resource_list(ja::path(c, "resources", "limits"));
    for (const auto& [name, q] : req) {
      if ((name == "cpu" || name == "memory") && !q.is_zero()) requests[name].add(q);
    }
    for (const auto& [name, q] : lim) {
      if ((name == "cpu" || name == "memory") && !q.is_zero()) limits[name].add(q);
    }
    for (const char* name : {"cpu", "memory"}) {
      const auto l = lim.find(name);
      if (l == lim.end() || l->second.is_zero()) guaranteed = false;
    }
  };
  const json& spec = ja::at(pod, "spec");
  for (const json& c : ja::arr(spec, "containers")) consider(c);
  for (const json& c : ja::arr(spec, "initContainers")) consider(c);
  if (requests.empty() && limits.empty()) return "BestEffort";
  if (guaranteed) {
    for (const auto& [name, q] : requests) {
      const auto l = limits.find(name);
      if (l == limits.end() || l->second.compare(q) != 0) guaranteed = false;
    }
  }
  return guaranteed && limits.size() == 2 ? "Guaranteed" : "Burstable";
}

void describe_topology_spread(PrefixWriter& w, const json& list) {
  std::vector<const json*> items;
  for (const json& t : ja::arr(list)) items.push_back(&t);
  if (items.empty()) return;
  std::stable_sort(items.begin(), items.end(), [](const json* a, const json* b) {
    return ja::str(*a, "topologyKey") < ja::str(*b, "topologyKey");
  });
  w.write(0, "Topology Spread Constraints:\t");
  bool first = true;
  for (const json* t : items) {
    if (!first) w.write(0, "\t");
    first = false;
    std::string line = ja::str(*t, "topologyKey") + ":" + ja::str(*t, "whenUnsatisfiable") +
                       " when max skew " + std::to_string(ja::num(*t, "maxSkew")) + " is exceeded";
    if (ja::at(*t, "labelSelector").is_object()) {
      line += " for selector " + detail::format_label_selector(ja::at(*t, "labelSelector"));
    }
    w.write(0, line + "\n");
  }
}

}  // namespace

std::string describe_pod(const json& pod, const std::vector<const json*>& events, EpochNanos now) {
  PrefixWriter w;
  const json& meta = ja::at(pod, "metadata");
  const json& spec = ja::at(pod, "spec");
  const json& status = ja::at(pod, "status");

  w.write(0, "Name:\t" + ja::str(meta, "name") + "\n");
  w.write(0, "Namespace:\t" + ja::str(meta, "namespace") + "\n");
  if (auto priority = ja::int_of(ja::at(spec, "priority"))) {
    w.write(0, "Priority:\t" + std::to_string(*priority) + "\n");
  }
  if (const std::string pc = ja::str(spec, "priorityClassName"); !pc.empty()) {
    w.write(0, "Priority Class Name:\t" + pc + "\n");
  }
  if (const std::string rc = ja::str(spec, "runtimeClassName"); !rc.empty()) {
    w.write(0, "Runtime Class Name:\t" + rc + "\n");
  }
  if (const std::string sa = ja::str(spec, "serviceAccountName"); !sa.empty()) {
    w.write(0, "Service Account:\t" + sa + "\n");
  }
  const std::string node = ja::str(spec, "nodeName");
  w.write(0, "Node:\t" + (node.empty() ? "<none>" : node + "/" + ja::str(status, "hostIP")) + "\n");
  if (auto start = ja::time_of(ja::at(status, "startTime"))) {
    w.write(0, "Start Time:\t" + rfc1123z(start) + "\n");
  }
  detail::print_labels(w, "Labels", ja::at(meta, "labels"));
  detail::print_annotations(w, "Annotations", ja::at(meta, "annotations"));
  const std::string phase = ja::str(status, "phase");
  const auto deletion = ja::time_of(ja::at(meta, "deletionTimestamp"));
  if (deletion && phase != "Failed" && phase != "Succeeded") {
    w.write(0, "Status:\tTerminating (lasts " + age_since(deletion, now) + ")\n");
    w.write(0, "Termination Grace Period:\t" +
                   std::to_string(ja::num(meta, "deletionGracePeriodSeconds")) + "s\n");
  } else {
    w.write(0, "Status:\t" + phase + "\n");
  }
  if (const std::string reason = ja::str(status, "reason"); !reason.empty()) {
    w.write(0, "Reason:\t" + reason + "\n");
  }
  if (const std::string message = ja::str(status, "message"); !message.empty()) {
    w.write(0, "Message:\t" + message + "\n");
  }
  const json& seccomp = ja::path(spec, "securityContext", "seccompProfile");
  if (seccomp.is_object()) {
    w.write(0, "SeccompProfile:\t" + ja::str(seccomp, "type") + "\n");
    if (ja::str(seccomp, "type") == "Localhost") {
      w.write(0, "LocalhostProfile:\t" + ja::str(seccomp, "localhostProfile") + "\n");
    }
  }
  w.write(0, "IP:\t" + ja::str(status, "podIP") + "\n");
  describe_pod_ips(w, status);
  if (const std::string owner = controller_of(meta); !owner.empty()) {
    w.write(0, "Controlled By:\t" + owner + "\n");
  }
  if (const std::string nominated = ja::str(status, "nominatedNodeName"); !nominated.empty()) {
    w.write(0, "NominatedNodeName:\t" + nominated + "\n");
  }
  if (ja::at(spec, "resources").is_object()) {
    w.write(0, "Resources:\n");
    describe_resources(w, ja::at(spec, "resources"), 1);
  }
  if (!ja::arr(spec, "initContainers").empty()) {
    describe_containers(w, "Init Containers", pod, ja::at(spec, "initContainers"),
                        ja::at(status, "initContainerStatuses"));
  }
  describe_containers(w, "Containers", pod, ja::at(spec, "containers"),
                      ja::at(status, "containerStatuses"));
  if (!ja::arr(spec, "ephemeralContainers").empty()) {
    describe_containers(w, "Ephemeral Containers", pod, ja::at(spec, "ephemeralContainers"),
                        ja::at(status, "ephemeralContainerStatuses"));
  }
  const json& conditions = ja::arr(status, "conditions");
  if (!ja::arr(spec, "readinessGates").empty()) {
    w.write(0, "Readiness Gates:\n  Type\tStatus\n");
    for (const json& g : ja::arr(spec, "readinessGates")) {
      const std::string type = ja::str(g, "conditionType");
      std::string value = "<none>";
      for (const json& c : conditions) {
        if (ja::str(c, "type") == type) {
          value = ja::str(c, "status");
          break;
        }
      }
      w.write(1, type + " \t" + value + " \n");
    }
  }
  if (!conditions.empty()) {
    w.write(0, "Conditions:\n  Type\tStatus\n");
    for (const json& c : conditions) {
      w.write(1, ja::str(c, "type") + " \t" + ja::str(c, "status") + " \n");
    }
  }
  describe_volumes(w, ja::at(spec, "volumes"));
  w.write(0, "QoS Class:\t" + qos_class(pod) + "\n");
  detail::print_labels(w, "Node-Selectors", ja::at(spec, "nodeSelector"));
  detail::print_tolerations(w, "Tolerations", ja::at(spec, "tolerations"));
  describe_topology_spread(w, ja::at(spec, "topologySpreadConstraints"));
  describe_events(w, events, now);
  return w.str();
}

}  // namespace kmg::describe
