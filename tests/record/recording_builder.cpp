#include "recording_builder.h"

#include <filesystem>
#include <fstream>

namespace kmg::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string segment_name(int index) {
  char name[32];
  std::snprintf(name, sizeof name, "objects-%06d.jsonl", index);
  return name;
}

}  // namespace

RecordingBuilder::RecordingBuilder(std::string dir) : dir_(std::move(dir)) {
  fs::create_directories(dir_);
}

void RecordingBuilder::append_raw(const std::string& relative, const std::string& text) {
  const fs::path path = fs::path(dir_) / relative;
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

void RecordingBuilder::started(const std::string& at) {
  append_raw("recording.json", json{{"format", 1},
                                    {"started_at", at},
                                    {"pid", 42},
                                    {"output", "out.tar.gz"},
                                    {"command_line", "kind-must-gather record"}}
                                   .dump());
}

void RecordingBuilder::stopped(const std::string& at, double cpu_user, std::uint64_t peak_rss) {
  append_raw("stopped.json", json{{"stopped_at", at},
                                  {"wall_seconds", 600.0},
                                  {"cpu_user_seconds", cpu_user},
                                  {"cpu_system_seconds", 0.25},
                                  {"peak_rss_bytes", peak_rss},
                                  {"stats", json::object()},
                                  {"clusters", json::object()}}
                                 .dump());
}

void RecordingBuilder::cluster_event(const std::string& at, const std::string& cluster,
                                     const std::string& event, const json& nodes) {
  append_raw("clusters.jsonl", json{{"at", at},
                                    {"cluster", cluster},
                                    {"event", event},
                                    {"provider", "podman"},
                                    {"endpoint", "https://127.0.0.1:6443"},
                                    {"nodes", nodes},
                                    {"reason", ""}}
                                       .dump() +
                                   "\n");
}

void RecordingBuilder::change(const std::string& cluster, const std::string& at,
                              const std::string& type, const std::string& group,
                              const std::string& version, const std::string& resource,
                              const json& object, int segment) {
  append_raw("clusters/" + cluster + "/" + segment_name(segment), json{{"at", at},
                                                                       {"type", type},
                                                                       {"group", group},
                                                                       {"version", version},
                                                                       {"resource", resource},
                                                                       {"object", object}}
                                                                          .dump() +
                                                                      "\n");
}

void RecordingBuilder::log_mark(const std::string& cluster, const std::string& at,
                                const json& fields, int segment) {
  json line = fields;
  line["at"] = at;
  line["type"] = "LOG";
  append_raw("clusters/" + cluster + "/" + segment_name(segment), line.dump() + "\n");
}

void RecordingBuilder::instance_log(const std::string& cluster, const std::string& ns,
                                    const std::string& pod, const std::string& container,
                                    const std::string& instance, const std::string& older,
                                    const std::string& newer) {
  const std::string base =
      "clusters/" + cluster + "/logs/" + ns + "/" + pod + "/" + container + "/" + instance;
  if (!older.empty()) append_raw(base + ".log.0", older);
  append_raw(base + ".log", newer);
}

json make_namespace(const std::string& name, const std::string& uid) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"uid", uid}}},
          {"status", {{"phase", "Active"}}}};
}

json make_node(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"uid", "uid-" + name}}},
          {"status",
           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
            {"nodeInfo", {{"kubeletVersion", "v1.31.0"}}}}}};
}

json make_pod(const std::string& ns, const std::string& name, const std::string& uid,
              const std::string& container, int restarts, const std::string& node) {
  json status = {{"name", container},
                 {"image", "registry.example/app:1"},
                 {"restartCount", restarts},
                 {"ready", restarts == 0},
                 {"containerID", "containerd://" + std::string(12, char('a' + restarts)) + "ff"}};
  if (restarts > 0) {
    status["state"] = {{"waiting",
                        {{"reason", "CrashLoopBackOff"},
                         {"message", "back-off 5m0s restarting failed container=" + container +
                                         " pod=" + name + "_" + ns + "(" + uid + ")"}}}};
    status["lastState"] = {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}};
  } else {
    status["state"] = {{"running", {{"startedAt", "2026-02-04T10:00:00Z"}}}};
  }
  return {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"uid", uid},
        {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
      {"spec",
       {{"nodeName", node},
        {"containers", json::array({{{"name", container}, {"image", "registry.example/app:1"}}})}}},
      {"status",
       {{"phase", "Running"},
        {"conditions",
         json::array({{{"type", "Ready"}, {"status", restarts == 0 ? "True" : "False"}}})},
        {"containerStatuses", json::array({status})}}}};
}

json make_event(const std::string& ns, const std::string& name, const json& involved,
                const std::string& reason, const std::string& message, const std::string& at,
                int count) {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}}},
          {"involvedObject", involved},
          {"reason", reason},
          {"message", message},
          {"type", reason == "BackOff" ? "Warning" : "Normal"},
          {"count", count},
          {"firstTimestamp", at},
          {"lastTimestamp", at},
          {"source", {{"component", "kubelet"}}}};
}

}  // namespace kmg::testing

namespace kmg::testing {
namespace {

std::string instance_name(int n) {
  return "000" + std::to_string(n) + "-" + std::string(12, char('a' + n));
}
std::string log_line(int n, int second, const std::string& text) {
  return "2026-02-04T10:0" + std::to_string(n) + ":" + (second < 10 ? "0" : "") +
         std::to_string(second) + ".000000001Z " + text + "\n";
}

}  // namespace

std::string beta_api_log(int n) {
  const std::string crash = log_line(n, 2, "panic: cannot open config /etc/app/app.yaml");
  if (n < 5) return log_line(n, 1, "starting instance " + std::to_string(n)) + crash;
  // The recorder dropped 100 bytes: the older half starts inside a line, which is cut.
  return log_line(n, 1, "starting instance 5") + log_line(n, 1, "loading") + crash;
}

void write_two_cluster_recording(RecordingBuilder& b, bool killed) {
  const json nodes = json::array({{{"name", "beta-control-plane"},
                                   {"role", "control-plane"},
                                   {"state", "running"},
                                   {"image", "kindest/node:v1.31.0"}}});
  b.started("2026-02-04T10:00:00Z");
  if (!killed) b.stopped("2026-02-04T10:20:00Z", 3.5, 52428800);
  b.cluster_event("2026-02-04T10:00:00.1Z", "alpha", "appeared");
  b.cluster_event("2026-02-04T10:00:00.2Z", "beta", "appeared", nodes);
  b.cluster_event("2026-02-04T10:00:00.3Z", "beta", "reachable", nodes);
  b.cluster_event("2026-02-04T10:10:00.5Z", "beta", "disappeared", json::array());
  b.append_raw("clusters.jsonl", R"({"at":"2026-02-04T10:20:00Z","cluster":"al)");

  // alpha: a pod deleted during the run, a damaged line.
  const json gone = make_pod("default", "gone", "uid-gone", "app", 2, "alpha-control-plane");
  b.change("alpha", "2026-02-04T10:00:01Z", "LISTED", "", "v1", "pods", gone);
  b.append_raw("clusters/alpha/objects-000001.jsonl", "{not json\n");
  b.change("alpha", "2026-02-04T10:05:00Z", "DELETED", "", "v1", "pods", gone);

  // beta
  b.change("beta", "2026-02-04T10:00:01Z", "LISTED", "", "v1", "nodes",
           make_node("beta-control-plane"));
  b.change("beta", "2026-02-04T10:00:01Z", "LISTED", "", "v1", "namespaces",
           make_namespace("shop", "uid-ns-shop"));
  b.change("beta", "2026-02-04T10:00:01Z", "LISTED", "apps", "v1", "deployments",
           {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", "api"}, {"namespace", "shop"}, {"uid", "uid-dep-api"}}},
            {"spec", {{"replicas", 1}}},
            {"status", {{"replicas", 1}, {"unavailableReplicas", 1}}}});
  b.change("beta", "2026-02-04T10:00:02Z", "ADDED", "", "v1", "namespaces",
           make_namespace("tmp", "uid-ns-tmp"));
  const json job = make_pod("tmp", "job-x", "uid-job-x", "work", 0, "beta-control-plane");
  b.change("beta", "2026-02-04T10:00:03Z", "ADDED", "", "v1", "pods", job);
  b.change(
      "beta", "2026-02-04T10:00:03Z", "ADDED", "", "v1", "events",
      make_event("tmp", "job-x.1",
                 {{"kind", "Pod"}, {"namespace", "tmp"}, {"name", "job-x"}, {"uid", "uid-job-x"}},
                 "Scheduled", "Successfully assigned tmp/job-x to beta-control-plane",
                 "2026-02-04T10:00:03Z", 1));
  const json api_ref = {
      {"kind", "Pod"}, {"namespace", "shop"}, {"name", "api"}, {"uid", "uid-api"}};
  for (int n = 0; n <= 5; ++n) {
    const std::string at = "2026-02-04T10:0" + std::to_string(n) + ":03Z";
    b.change("beta", at, n == 0 ? "ADDED" : "MODIFIED", "", "v1", "pods",
             make_pod("shop", "api", "uid-api", "api", n, "beta-control-plane"));
    json mark = {{"namespace", "shop"},
                 {"pod", "api"},
                 {"container", "api"},
                 {"container_id", "containerd://" + std::string(12, char('a' + n)) + "ff"},
                 {"instance", instance_name(n)},
                 {"restart_count", n},
                 {"state", "closed"},
                 {"reason", "container terminated"},
                 {"dropped_bytes", n == 5 ? kBetaDroppedBytes : 0}};
    b.log_mark("beta", at, mark);
    if (n < 5) {
      b.instance_log("beta", "shop", "api", "api", instance_name(n), "", beta_api_log(n));
    } else {
      const std::string text = beta_api_log(5);
      const auto half = text.find("loading");
      b.instance_log("beta", "shop", "api", "api", instance_name(n),
                     "cut-off end of a dropped line\n" + text.substr(0, half), text.substr(half));
    }
  }
  b.change("beta", "2026-02-04T10:05:04Z", "ADDED", "", "v1", "events",
           make_event("shop", "api.backoff", api_ref, "BackOff",
                      "Back-off restarting failed container api in pod api_shop(uid-api)",
                      "2026-02-04T10:05:04Z", 5),
           2);
  b.change("beta", "2026-02-04T10:06:00Z", "DELETED", "", "v1", "pods", job, 2);
  b.change(
      "beta", "2026-02-04T10:06:00Z", "DELETED", "", "v1", "events",
      make_event("tmp", "job-x.1",
                 {{"kind", "Pod"}, {"namespace", "tmp"}, {"name", "job-x"}, {"uid", "uid-job-x"}},
                 "Scheduled", "Successfully assigned tmp/job-x to beta-control-plane",
                 "2026-02-04T10:00:03Z", 1),
      2);
  b.change("beta", "2026-02-04T10:06:01Z", "DELETED", "", "v1", "namespaces",
           make_namespace("tmp", "uid-ns-tmp"), 2);
  b.append_raw("clusters/beta/objects-000002.jsonl", R"({"at":"2026-02-04T10:10:00Z","type":"MOD)");
}

}  // namespace kmg::testing
