#include "cluster_ops.h"

#include <atomic>
#include <chrono>
#include <cstdio>

#include "util/errors.h"
#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

std::string hex64(std::uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A containerd-style id, unique within the process.
std::string new_container_id() {
  static std::atomic<std::uint64_t> serial{1};
  const std::uint64_t n =
      serial++ * 0x9e3779b97f4a7c15ULL ^ static_cast<std::uint64_t>(now_nanos());
  return "containerd://" + hex64(n) + hex64(n * 31) + hex64(n * 37) + hex64(n * 41);
}

json* find_status(json& pod, const std::string& container) {
  auto& status = pod["status"];
  for (const char* field : {"containerStatuses", "initContainerStatuses"}) {
    if (!status.contains(field)) continue;
    for (auto& c : status[field]) {
      if (c.value("name", "") == container) return &c;
    }
  }
  return nullptr;
}

std::string image_of(const json& pod, const std::string& container) {
  for (const char* field : {"containers", "initContainers"}) {
    for (const auto& c : pod.value("spec", json::object()).value(field, json::array())) {
      if (c.value("name", "") == container) return c.value("image", "");
    }
  }
  return "";
}

void set_condition(json& pod, const std::string& type, bool value, const std::string& now) {
  auto& conditions = pod["status"]["conditions"];
  if (!conditions.is_array()) return;
  for (auto& c : conditions) {
    if (c.value("type", "") != type) continue;
    const std::string status = value ? "True" : "False";
    if (c.value("status", "") != status) c["lastTransitionTime"] = now;
    c["status"] = status;
    if (value) {
      c.erase("reason");
      c.erase("message");
    } else {
      c["reason"] = "ContainersNotReady";
    }
  }
}

// The container status after the restart (kubelet's convertToAPIContainerStatuses).
void restart_status(json& status, const RestartSpec& spec, const std::string& pod_uid,
                    const std::string& now) {
  json terminated = {{"exitCode", spec.exit_code}, {"reason", spec.reason}};
  if (!spec.message.empty()) terminated["message"] = spec.message;
  const auto& state = status.value("state", json::object());
  terminated["startedAt"] =
      state.contains("running") ? state["running"].value("startedAt", now) : now;
  terminated["finishedAt"] = now;
  if (status.contains("containerID")) terminated["containerID"] = status["containerID"];
  status["lastState"] = {{"terminated", terminated}};
  status["restartCount"] = status.value("restartCount", 0) + 1;
  status["containerID"] = new_container_id();
  const bool running = spec.state == "running";
  status["ready"] = running;
  status["started"] = running;
  if (running) {
    status["state"] = {{"running", {{"startedAt", now}}}};
  } else {
    status["state"] = {
        {"waiting",
         {{"reason", spec.state},
          {"message", "back-off 10s restarting failed container=" + spec.container +
                          " pod=" + spec.pod + "_" + spec.ns + "(" + pod_uid + ")"}}}};
  }
}

struct KubeletEvent {
  std::string type, reason, message;
};

// The kubelet's recorder with its EventCorrelator: the same reason and message on the same
// object bump count and lastTimestamp of the existing Event instead of writing a new one.
void record_event(Store& store, const json& pod, const std::string& container,
                  const KubeletEvent& e) {
  const ResourceInfo* events = store.find("", "v1", "events");
  const auto& md = pod["metadata"];
  const std::string ns = md.value("namespace", "");
  const std::string field_path = "spec.containers{" + container + "}";
  const std::string now = now_rfc3339();
  for (const auto& existing : store.objects(*events)) {
    const auto& ev = *existing;
    const auto& involved = ev.value("involvedObject", json::object());
    if (ev["metadata"].value("namespace", "") != ns || ev.value("reason", "") != e.reason ||
        ev.value("message", "") != e.message || involved.value("uid", "") != md.value("uid", "") ||
        involved.value("fieldPath", "") != field_path) {
      continue;
    }
    store.update(*events, ns, ev["metadata"].value("name", ""), [&](json& obj) {
      if (obj.is_null()) return false;
      obj["count"] = obj.value("count", 1) + 1;
      obj["lastTimestamp"] = now;
      return true;
    });
    return;
  }
  const std::string node = pod.value("spec", json::object()).value("nodeName", "");
  json ev = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata",
       {{"name", md.value("name", "") + "." + hex64(static_cast<std::uint64_t>(now_nanos()))},
        {"namespace", ns}}},
      {"involvedObject",
       {{"kind", "Pod"},
        {"namespace", ns},
        {"name", md.value("name", "")},
        {"uid", md.value("uid", "")},
        {"apiVersion", "v1"},
        {"resourceVersion", md.value("resourceVersion", "")},
        {"fieldPath", field_path}}},
      {"reason", e.reason},
      {"message", e.message},
      {"source", {{"component", "kubelet"}, {"host", node}}},
      {"firstTimestamp", now},
      {"lastTimestamp", now},
      {"count", 1},
      {"type", e.type},
      {"eventTime", nullptr},
      {"reportingComponent", "kubelet"},
      {"reportingInstance", node}};
  store.apply(std::move(ev));
}

// pkg/kubelet/events reasons with the messages kuberuntime writes (1.32).
std::vector<KubeletEvent> restart_events(const RestartSpec& spec, const json& pod) {
  std::vector<KubeletEvent> out;
  if (!spec.killing.empty()) out.push_back({"Normal", "Killing", spec.killing});
  if (spec.state == "running") {
    out.push_back(
        {"Normal", "Pulled",
         "Container image \"" + image_of(pod, spec.container) + "\" already present on machine"});
    out.push_back({"Normal", "Created", "Created container: " + spec.container});
    out.push_back({"Normal", "Started", "Started container " + spec.container});
  } else if (spec.state == "CrashLoopBackOff") {
    const auto& md = pod["metadata"];
    out.push_back({"Warning", "BackOff",
                   "Back-off restarting failed container " + spec.container + " in pod " +
                       spec.pod + "_" + spec.ns + "(" + md.value("uid", "") + ")"});
  }
  return out;
}

const ResourceInfo& resource_of(Store& store, const std::string& api_version,
                                const std::string& kind) {
  const ResourceInfo* r = store.resolve(api_version, kind);
  if (r == nullptr) throw Error("no resource serves " + api_version + " " + kind);
  return *r;
}

}  // namespace

std::string now_rfc3339_nano() { return format_rfc3339_nano(now_nanos()); }

void append_log_lines(Store& store, const std::string& ns, const std::string& pod,
                      const std::string& container, const std::vector<std::string>& texts) {
  std::vector<std::string> lines;
  lines.reserve(texts.size());
  for (const auto& t : texts) lines.push_back(now_rfc3339_nano() + " " + t);
  store.append_log(ns, pod, container, lines);
}

void restart_container(Store& store, const RestartSpec& spec) {
  if (spec.state != "running" && spec.state != "CrashLoopBackOff") {
    throw Error("restart: state must be running or CrashLoopBackOff, got '" + spec.state + "'");
  }
  const ResourceInfo* pods = store.find("", "v1", "pods");
  const std::string now = now_rfc3339();
  const ObjectPtr pod = store.update(*pods, spec.ns, spec.pod, [&](json& obj) {
    if (obj.is_null()) return false;
    json* status = find_status(obj, spec.container);
    if (status == nullptr) return false;
    restart_status(*status, spec, obj["metadata"].value("uid", ""), now);
    set_condition(obj, "Ready", spec.state == "running", now);
    set_condition(obj, "ContainersReady", spec.state == "running", now);
    return true;
  });
  if (pod == nullptr) {
    throw Error("restart: no pod " + spec.ns + "/" + spec.pod + " with a status for container '" +
                spec.container + "'");
  }
  store.restart_log(spec.ns, spec.pod, spec.container);
  for (const auto& e : restart_events(spec, *pod)) record_event(store, *pod, spec.container, e);
}

ObjectPtr patch_object(Store& store, const std::string& api_version, const std::string& kind,
                       const std::string& ns, const std::string& name, const json& merge_patch) {
  const ResourceInfo& r = resource_of(store, api_version, kind);
  auto out = store.update(r, ns, name, [&](json& obj) {
    if (obj.is_null()) return false;
    obj.merge_patch(merge_patch);
    return true;
  });
  if (out == nullptr) throw Error("patch: " + r.qualified() + " " + ns + "/" + name + " not found");
  return out;
}

ObjectPtr delete_object(Store& store, const std::string& api_version, const std::string& kind,
                        const std::string& ns, const std::string& name) {
  return store.remove(resource_of(store, api_version, kind), ns, name);
}

void delete_namespace(Store& store, const std::string& name) {
  const ResourceInfo* namespaces = store.find("", "v1", "namespaces");
  const std::string now = now_rfc3339();
  const auto marked = store.update(*namespaces, "", name, [&](json& obj) {
    if (obj.is_null()) return false;
    obj["metadata"]["deletionTimestamp"] = now;
    obj["status"]["phase"] = "Terminating";
    return true;
  });
  if (marked == nullptr) throw Error("delete-namespace: namespace " + name + " not found");
  for (const auto& r : store.resources()) {
    if (!r.namespaced) continue;
    for (const auto& obj : store.objects(r)) {
      const auto& md = (*obj)["metadata"];
      if (md.value("namespace", "") == name) store.remove(r, name, md.value("name", ""));
    }
  }
  store.remove(*namespaces, "", name);
}

}  // namespace kmg::fakeapi
