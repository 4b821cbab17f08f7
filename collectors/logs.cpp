#include "collectors/logs.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/common.h"
#include "collectors/tail_log.h"
#include "discovery/cluster_target.h"
#include "kube/kube_api.h"
#include "util/deadline.h"
#include "util/redact.h"
#include "util/text.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "logs";

struct LogRequest {
  std::string ns, pod, container;
  bool previous = false;
  int priority = 0;  // lower first
};

const nlohmann::json* find_status(const nlohmann::json& pod, const std::string& container) {
  for (const char* list :
       {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    const auto& status = pod["status"];
    if (!status.is_object() || !status.contains(list) || !status[list].is_array()) continue;
    for (const auto& s : status[list]) {
      if (s.value("name", "") == container) return &s;
    }
  }
  return nullptr;
}

// A pod whose containers restart, wait or fail sorts first: its logs matter most, so they claim
// the size budget before healthy pods' logs do.
int pod_priority(const nlohmann::json& pod) {
  const std::string phase = str_at(pod, "/status/phase");
  if (phase == "Failed" || phase == "Pending") return 0;
  int priority = 2;
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    const auto& status = pod["status"];
    if (!status.is_object() || !status.contains(list) || !status[list].is_array()) continue;
    for (const auto& s : status[list]) {
      if (s.value("restartCount", 0) > 0 || !s.value("ready", true)) priority = 0;
      if (s.contains("state") && s["state"].contains("waiting")) priority = 0;
    }
  }
  if (phase == "Succeeded" && priority > 0) priority = 1;
  return priority;
}

std::vector<LogRequest> plan_requests(const nlohmann::json& pods) {
  std::vector<LogRequest> requests;
  for (const auto& pod : pods) {
    const std::string ns = str_at(pod, "/metadata/namespace");
    const std::string name = str_at(pod, "/metadata/name");
    const int priority = pod_priority(pod);
    if (!pod.contains("spec") || !pod["spec"].is_object()) continue;
    for (const char* list : {"initContainers", "containers", "ephemeralContainers"}) {
      if (!pod["spec"].contains(list) || !pod["spec"][list].is_array()) continue;
      for (const auto& c : pod["spec"][list]) {
        const std::string container = c.value("name", "");
        if (container.empty()) continue;
        const nlohmann::json* status = find_status(pod, container);
        // A container that never started has no log to ask for (the API would answer 400
        // "waiting to start"); one that ran has at least its latest instance's.
        const bool ever_ran =
            status != nullptr &&
            (!str_at(*status, "/containerID").empty() ||
             (status->contains("lastState") && (*status)["lastState"].contains("terminated")));
        if (ever_ran) requests.push_back({ns, name, container, false, priority});
        if (status != nullptr && status->value("restartCount", 0) > 0) {
          requests.push_back({ns, name, container, true, priority});
        }
      }
    }
  }
  std::stable_sort(requests.begin(), requests.end(), [](const LogRequest& a, const LogRequest& b) {
    return a.priority < b.priority;
  });
  return requests;
}

std::string log_path(const LogRequest& r, std::int64_t since_seconds) {
  std::string path = "/api/v1/namespaces/" + url_encode(r.ns) + "/pods/" + url_encode(r.pod) +
                     "/log?container=" + url_encode(r.container) + "&timestamps=true";
  if (r.previous) path += "&previous=true";
  if (since_seconds > 0) path += "&sinceSeconds=" + std::to_string(since_seconds);
  return path;
}

void fetch_one(ClusterContext& ctx, const LogRequest& r, const std::string& scratch) {
  if (ctx.deadline.expired()) return;
  const std::string path = log_path(r, ctx.options.since_seconds);
  TailLog tail(ctx.options.log_limit_bytes, scratch);
  LineRedactor redactor(ctx.redactor, [&](std::string_view lines) { tail.write(lines); });
  const kube::Response response = ctx.api->stream(path, [&](std::string_view chunk) {
    redactor.feed(chunk);
    return !ctx.deadline.expired();
  });
  redactor.flush();
  ctx.manifest.add_request(ctx.target.name, kName, response.bytes);
  if (!response.ok()) {
    bundle::FailedRequest failure{ctx.target.name,    kName, "GET", path, response.status,
                                  response.describe()};
    ctx.manifest.add_failure(failure);
    // A log cut mid-way is still worth keeping: write what arrived.
    if (tail.total_bytes() == 0) return;
  }
  const auto relpath =
      bundle::layout::container_log(ctx.target.name, r.ns, r.pod, r.container, r.previous);
  if (tail.finish(ctx.writer, relpath) < 0) {
    record_problem(ctx, kName, relpath, "not written: bundle size budget reached");
    return;
  }
  ctx.manifest.add_items(ctx.target.name, kName, 1);
}

}  // namespace

void collect_logs(ClusterContext& ctx) {
  if (ctx.api == nullptr) return;
  const std::string scratch = ctx.writer.staging_dir() + "/../scratch";
  std::error_code ec;
  std::filesystem::create_directories(scratch, ec);
  TaskGroup group(ctx);
  for (const auto& request : plan_requests(ctx.snapshot.pods)) {
    group.run([&ctx, request, scratch] { fetch_one(ctx, request, scratch); });
  }
  group.wait();
  std::filesystem::remove_all(scratch, ec);
}

}  // namespace kmg::collectors
