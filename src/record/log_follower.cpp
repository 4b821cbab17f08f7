#include "record/log_follower.h"

#include <algorithm>

#include "util/redact.h"
#include "util/text.h"

namespace kmg::record {
namespace {

std::string text_at(const nlohmann::json& object, std::initializer_list<const char*> keys) {
  const nlohmann::json* at = &object;
  for (const char* key : keys) {
    if (!at->is_object()) return {};
    auto it = at->find(key);
    if (it == at->end()) return {};
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : std::string();
}

bool has_state(const nlohmann::json& status, const char* state) {
  auto s = status.find("state");
  return s != status.end() && s->is_object() && s->contains(state);
}

void requests_of_status(const nlohmann::json& status, const LogInstance& pod_part,
                        std::vector<LogRequest>& out) {
  LogInstance base = pod_part;
  base.container = text_at(status, {"name"});
  const int restarts = status.value("restartCount", 0);
  const std::string current = text_at(status, {"containerID"});
  const bool current_exists =
      !current.empty() && (has_state(status, "running") || has_state(status, "terminated"));
  const std::string last = text_at(status, {"lastState", "terminated", "containerID"});
  // In a back-off the status may still name the ended instance as its containerID.
  if (!last.empty() && !(current_exists && last == current)) {
    // Waiting in a back-off, the last instance is the newest one and carries restartCount; once
    // a newer instance exists, it is the one before.
    LogInstance previous = base;
    previous.container_id = last;
    previous.restart_count = current_exists ? std::max(restarts - 1, 0) : restarts;
    out.push_back({std::move(previous), true});
  }
  if (current_exists) {
    LogInstance now = base;
    now.container_id = current;
    now.restart_count = restarts;
    out.push_back({std::move(now), false});
  }
}

}  // namespace

std::vector<LogRequest> log_requests_of(const nlohmann::json& pod) {
  std::vector<LogRequest> out;
  LogInstance pod_part;
  pod_part.ns = text_at(pod, {"metadata", "namespace"});
  pod_part.pod = text_at(pod, {"metadata", "name"});
  auto status = pod.find("status");
  if (pod_part.pod.empty() || status == pod.end() || !status->is_object()) return out;
  for (const char* list :
       {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    auto statuses = status->find(list);
    if (statuses == status->end() || !statuses->is_array()) continue;
    for (const auto& s : *statuses) {
      if (s.is_object()) requests_of_status(s, pod_part, out);
    }
  }
  return out;
}

std::string log_path(const LogRequest& r) {
  const LogInstance& i = r.instance;
  return "/api/v1/namespaces/" + url_encode(i.ns) + "/pods/" + url_encode(i.pod) +
         "/log?container=" + url_encode(i.container) + "&timestamps=true" +
         (r.previous ? "&previous=true" : "&follow=true");
}

void LogFollowers::on_pod(std::string_view type, const nlohmann::json& pod) {
  if (type == "DELETED") return;  // its streams end on their own
  for (auto& request : log_requests_of(pod)) {
    {
      std::lock_guard lock(mutex_);
      if (!started_.insert(request.instance.container_id).second) continue;
    }
    shared_.pool.submit([this, r = std::move(request)] { follow(r); });
  }
}

// Streams one instance's log into its appender as it arrives, redacted line by line: memory
// holds one chunk and one unfinished line, whatever the log's size.
void LogFollowers::follow(const LogRequest& request) {
  if (shared_.stopping()) return;
  auto appender = shared_.writer.open_log(shared_.cluster, request.instance);
  shared_.stats.log_stream_opened();
  LineRedactor lines(shared_.redactor, [&](std::string_view text) { appender->append(text); });
  kube::Response r = shared_.logs->stream(log_path(request), [&](std::string_view chunk) {
    lines.feed(chunk);
    return !shared_.stopping();
  });
  lines.flush();
  std::string reason;
  if (shared_.stopping()) {
    reason = "recorder stopped";
  } else if (r.ok()) {
    reason = request.previous ? "previous instance read" : "container terminated";
  } else {
    reason = (r.status == 0 ? "connection lost: " : "") + r.describe();
  }
  if (r.status != 0) shared_.stats.reached(true);
  appender->close(reason);
}

}  // namespace kmg::record
