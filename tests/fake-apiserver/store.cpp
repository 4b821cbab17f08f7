#include "store.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "util/errors.h"
#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
const std::vector<std::string> kClusterVerbs = kAllVerbs;

struct Builtin {
  const char* group;
  const char* version;
  const char* plural;
  const char* kind;
  bool namespaced;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;
};

// The built-in resources a kind cluster serves (a subset of 1.32's catalogue), in discovery order.
const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> list = {
      {"", "v1", "configmaps", "ConfigMap", true, {"cm"}, {}, {}},
      {"", "v1", "endpoints", "Endpoints", true, {"ep"}, {}, {}},
      {"", "v1", "events", "Event", true, {"ev"}, {}, {}},
      {"", "v1", "limitranges", "LimitRange", true, {"limits"}, {}, {}},
      {"", "v1", "namespaces", "Namespace", false, {"ns"}, {}, {"finalize", "status"}},
      {"", "v1", "nodes", "Node", false, {"no"}, {}, {"proxy", "status"}},
      {"", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {"pvc"}, {}, {"status"}},
      {"", "v1", "persistentvolumes", "PersistentVolume", false, {"pv"}, {}, {"status"}},
      {"",
       "v1",
       "pods",
       "Pod",
       true,
       {"po"},
       {"all"},
       {"attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward",
        "proxy", "resize", "status"}},
      {"",
       "v1",
       "replicationcontrollers",
       "ReplicationController",
       true,
       {"rc"},
       {"all"},
       {"scale", "status"}},
      {"", "v1", "resourcequotas", "ResourceQuota", true, {"quota"}, {}, {"status"}},
      {"", "v1", "secrets", "Secret", true, {}, {}, {}},
      {"", "v1", "serviceaccounts", "ServiceAccount", true, {"sa"}, {}, {"token"}},
      {"", "v1", "services", "Service", true, {"svc"}, {"all"}, {"proxy", "status"}},
      {"admissionregistration.k8s.io",
       "v1",
       "mutatingwebhookconfigurations",
       "MutatingWebhookConfiguration",
       false,
       {},
       {"api-extensions"},
       {}},
      {"admissionregistration.k8s.io",
       "v1",
       "validatingwebhookconfigurations",
       "ValidatingWebhookConfiguration",
       false,
       {},
       {"api-extensions"},
       {}},
      {"apiextensions.k8s.io",
       "v1",
       "customresourcedefinitions",
       "CustomResourceDefinition",
       false,
       {"crd", "crds"},
       {"api-extensions"},
       {"status"}},
      {"apiregistration.k8s.io",
       "v1",
       "apiservices",
       "APIService",
       false,
       {},
       {"api-extensions"},
       {"status"}},
      {"apps", "v1", "controllerrevisions", "ControllerRevision", true, {}, {}, {}},
      {"apps", "v1", "daemonsets", "DaemonSet", true, {"ds"}, {"all"}, {"status"}},
      {"apps", "v1", "deployments", "Deployment", true, {"deploy"}, {"all"}, {"scale", "status"}},
      {"apps", "v1", "replicasets", "ReplicaSet", true, {"rs"}, {"all"}, {"scale", "status"}},
      {"apps", "v1", "statefulsets", "StatefulSet", true, {"sts"}, {"all"}, {"scale", "status"}},
      {"autoscaling",
       "v2",
       "horizontalpodautoscalers",
       "HorizontalPodAutoscaler",
       true,
       {"hpa"},
       {"all"},
       {"status"}},
      {"batch", "v1", "cronjobs", "CronJob", true, {"cj"}, {"all"}, {"status"}},
      {"batch", "v1", "jobs", "Job", true, {}, {"all"}, {"status"}},
      {"coordination.k8s.io", "v1", "leases", "Lease", true, {}, {}, {}},
      {"discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, {}, {}, {}},
      {"events.k8s.io", "v1", "events", "Event", true, {"ev"}, {}, {}},
      {"networking.k8s.io", "v1", "ingresses", "Ingress", true, {"ing"}, {}, {"status"}},
      {"networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, {"netpol"}, {}, {}},
      {"policy",
       "v1",
       "poddisruptionbudgets",
       "PodDisruptionBudget",
       true,
       {"pdb"},
       {},
       {"status"}},
      {"rbac.authorization.k8s.io",
       "v1",
       "clusterrolebindings",
       "ClusterRoleBinding",
       false,
       {},
       {},
       {}},
      {"rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, {}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, {}, {}, {}},
      {"rbac.authorization.k8s.io", "v1", "roles", "Role", true, {}, {}, {}},
      {"storage.k8s.io", "v1", "storageclasses", "StorageClass", false, {"sc"}, {}, {}},
  };
  return list;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string object_key(const json& obj) {
  const auto& md = obj["metadata"];
  return md.value("namespace", "") + "/" + md.value("name", "");
}

std::string now_rfc3339() {
  return format_rfc3339(std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// core/v1 Event -> events.k8s.io/v1 Event (the field renames of k8s.io/api events/v1).
json to_events_v1(const json& ev) {
  json out = json::object();
  out["metadata"] = ev["metadata"];
  if (ev.contains("involvedObject")) out["regarding"] = ev["involvedObject"];
  if (ev.contains("related")) out["related"] = ev["related"];
  if (ev.contains("message")) out["note"] = ev["message"];
  for (const char* f : {"reason", "type", "action", "reportingInstance", "series"}) {
    if (ev.contains(f)) out[f] = ev[f];
  }
  if (ev.contains("reportingComponent")) out["reportingController"] = ev["reportingComponent"];
  if (ev.contains("source")) out["deprecatedSource"] = ev["source"];
  if (ev.contains("firstTimestamp")) out["deprecatedFirstTimestamp"] = ev["firstTimestamp"];
  if (ev.contains("lastTimestamp")) out["deprecatedLastTimestamp"] = ev["lastTimestamp"];
  if (ev.contains("count")) out["deprecatedCount"] = ev["count"];
  // eventTime is required in events.k8s.io; the apiserver fills it from the legacy timestamps.
  if (ev.contains("eventTime") && !ev["eventTime"].is_null()) {
    out["eventTime"] = ev["eventTime"];
  } else {
    std::string t = ev.value("firstTimestamp", ev["metadata"].value("creationTimestamp", ""));
    if (t.size() > 1 && t.back() == 'Z' && t.find('.') == std::string::npos) {
      t.insert(t.size() - 1, ".000000");
    }
    out["eventTime"] = t;
  }
  return out;
}

std::pair<std::string, std::string> split_api_version(const std::string& api_version) {
  const auto slash = api_version.find('/');
  if (slash == std::string::npos) return {"", api_version};
  return {api_version.substr(0, slash), api_version.substr(slash + 1)};
}

Store::Store() {
  for (const auto& b : builtins()) {
    ResourceInfo info;
    info.group = b.group;
    info.version = b.version;
    info.plural = b.plural;
    info.kind = b.kind;
    info.singular = lower(b.kind);
    info.namespaced = b.namespaced;
    info.verbs = kAllVerbs;
    info.short_names = b.short_names;
    info.categories = b.categories;
    info.subresources = b.subresources;
    add_builtin(std::move(info));
  }
}

void Store::add_builtin(ResourceInfo info) { resources_.push_back(std::move(info)); }

void Store::load_scenario(const json& scenario, const std::string& source) {
  if (!scenario.is_object()) throw Error("scenario " + source + ": top level must be an object");
  if (scenario.contains("serverVersion")) server_version_.update(scenario["serverVersion"]);
  for (const auto& obj : scenario.value("objects", json::array())) {
    if (!obj.is_object() || !obj.contains("kind") || !obj.contains("metadata")) {
      throw Error("scenario " + source +
                  ": objects[] entry without kind/metadata: " + obj.dump().substr(0, 200));
    }
    add_object(obj);
  }
  for (const auto& log : scenario.value("logs", json::array())) {
    LogStream s;
    s.ns = log.value("namespace", "default");
    s.pod = log.at("pod").get<std::string>();
    s.container = log.value("container", "");
    s.previous = log.value("previous", false);
    for (const auto& line : log.value("lines", json::array())) {
      s.lines.push_back(line.get<std::string>());
    }
    add_log(std::move(s));
  }
  for (const auto& j : scenario.value("jaeger", json::array())) {
    JaegerBackend b;
    b.ns = j.value("namespace", "default");
    b.service = j.at("service").get<std::string>();
    b.port = j.value("port", 16686);
    for (const auto& t : j.value("traces", json::array())) b.traces.push_back(t);
    add_jaeger(std::move(b));
  }
}

void Store::add_object(json object) { pending_.push_back(std::move(object)); }

const ResourceInfo* Store::find_by_kind(const std::string& group, const std::string& kind) const {
  for (const auto& r : resources_) {
    if (r.group == group && r.kind == kind) return &r;
  }
  return nullptr;
}

const ResourceInfo* Store::resolve(const std::string& api_version, const std::string& kind) const {
  const auto [group, version] = split_api_version(api_version);
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.kind == kind) return &r;
  }
  // Another served version of the group files it under the same key.
  return find_by_kind(group, kind);
}

void Store::register_crds() {
  for (const auto& obj : pending_) {
    if (obj.value("kind", "") != "CustomResourceDefinition") continue;
    const auto& spec = obj.at("spec");
    const auto& names = spec.at("names");
    for (const auto& v : spec.value("versions", json::array())) {
      if (!v.value("served", true)) continue;
      ResourceInfo info;
      info.group = spec.at("group").get<std::string>();
      info.version = v.at("name").get<std::string>();
      info.plural = names.at("plural").get<std::string>();
      info.kind = names.at("kind").get<std::string>();
      info.singular = names.value("singular", lower(info.kind));
      info.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
      info.verbs = kAllVerbs;
      info.short_names = names.value("shortNames", std::vector<std::string>{});
      info.categories = names.value("categories", std::vector<std::string>{});
      if (v.contains("subresources")) {
        if (v["subresources"].contains("status")) info.subresources.push_back("status");
        if (v["subresources"].contains("scale")) info.subresources.push_back("scale");
      }
      info.custom = true;
      info.printer_columns = v.value("additionalPrinterColumns", json::array());
      if (find(info.group, info.version, info.plural) == nullptr) {
        resources_.push_back(std::move(info));
      }
    }
  }
}

void Store::file_pending() {
  std::int64_t rv = resource_version_;
  std::int64_t highest = 0;
  for (auto& obj : pending_) {
    const auto [group, version] = split_api_version(obj.value("apiVersion", "v1"));
    const ResourceInfo* r = find_by_kind(group, obj.value("kind", ""));
    if (r == nullptr) {
      std::cerr << "fake-apiserver: skipping " << obj.value("apiVersion", "") << " "
                << obj.value("kind", "") << " " << obj["metadata"].value("name", "")
                << ": no such resource (missing CRD?)\n";
      continue;
    }
    auto& md = obj["metadata"];
    if (!md.contains("uid")) {
      md["uid"] = "00000000-0000-4000-8000-" + std::to_string(100000000000 + rv);
    }
    if (!md.contains("creationTimestamp")) md["creationTimestamp"] = "2026-02-04T10:00:00Z";
    if (!md.contains("resourceVersion")) md["resourceVersion"] = std::to_string(++rv);
    try {
      highest =
          std::max<std::int64_t>(highest, std::stoll(md["resourceVersion"].get<std::string>()));
    } catch (const std::exception&) {
    }
    if (r->namespaced && !md.contains("namespace")) md["namespace"] = "default";
    // Merged scenarios: a later object with the same resource/namespace/name replaces the earlier.
    const std::string key = object_key(obj);
    objects_[r->key()][key] = std::make_shared<const json>(std::move(obj));
  }
  pending_.clear();
  // Later changes must sort after every resourceVersion a client has seen.
  resource_version_ = std::max(rv, highest) + 1;
}

void Store::finalize() {
  if (finalized_) return;
  finalized_ = true;
  // CRDs first: their instances can only be filed once the resource exists.
  register_crds();
  file_pending();
  auto& v1_events = objects_["events.k8s.io/events"];
  for (const auto& [key, ev] : objects_["/events"]) {
    json converted = to_events_v1(*ev);
    converted["apiVersion"] = "events.k8s.io/v1";
    converted["kind"] = "Event";
    v1_events[key] = std::make_shared<const json>(std::move(converted));
  }
  for (auto& log : logs_) log.instance = next_instance_++;
  history_floor_ = resource_version_;
}

std::vector<std::pair<std::string, std::vector<std::string>>> Store::groups() const {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& r : resources_) {
    if (r.group.empty()) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == r.group; });
    if (it == out.end()) {
      out.push_back({r.group, {r.version}});
    } else if (std::find(it->second.begin(), it->second.end(), r.version) == it->second.end()) {
      it->second.push_back(r.version);
    }
  }
  return out;
}

const ResourceInfo* Store::find(const std::string& group, const std::string& version,
                                const std::string& plural) const {
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.plural == plural) return &r;
  }
  return nullptr;
}

std::vector<ObjectPtr> Store::objects(const ResourceInfo& resource,
                                      std::int64_t* resource_version) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (resource_version != nullptr) *resource_version = resource_version_;
  std::vector<ObjectPtr> out;
  auto it = objects_.find(resource.key());
  if (it == objects_.end()) return out;
  out.reserve(it->second.size());
  for (const auto& [key, obj] : it->second) out.push_back(obj);
  return out;
}

ObjectPtr Store::get(const ResourceInfo& resource, const std::string& ns,
                     const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(resource.key());
  if (it == objects_.end()) return nullptr;
  auto obj = it->second.find((resource.namespaced ? ns : "") + "/" + name);
  return obj == it->second.end() ? nullptr : obj->second;
}

std::optional<LogStream> Store::find_log(const std::string& ns, const std::string& pod,
                                         const std::string& container, bool previous) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& l : logs_) {
    if (l.ns == ns && l.pod == pod && l.previous == previous &&
        (l.container == container || l.container.empty())) {
      return l;
    }
  }
  return std::nullopt;
}

const JaegerBackend* Store::find_jaeger(const std::string& ns, const std::string& service) const {
  for (const auto& j : jaeger_) {
    if (j.ns == ns && j.service == service) return &j;
  }
  return nullptr;
}

std::int64_t Store::resource_version() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return resource_version_;
}

std::size_t Store::object_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& [k, v] : objects_) n += v.size();
  return n;
}

}  // namespace kmg::fakeapi
