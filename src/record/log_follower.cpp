#include "record/log_follower.h"

#include <algorithm>

#include "util/redact.h"
#include "util/text.h"

namespace kmg::record {
namespace {

// Reopening a lost log stream stops after this many attempts in a row that read nothing: with
// the doubling backoff (capped at 30 s) that is a few minutes, time for a control plane to
// restart, not for a deleted cluster to keep a thread.
constexpr int kMaxLogRetries = 10;
constexpr std::chrono::milliseconds kMaxBackoff{30'000};

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

void LogResume::pass(std::string_view text, const Sink& out) {
  std::size_t keep_from = 0;  // start of the run of kept pieces not yet passed on
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    end = end == std::string_view::npos ? text.size() : end + 1;
    if (!mid_line_) {
      const std::string_view line = text.substr(at, end - at);
      const bool was_dropping = dropping_;
      dropping_ = skip(parse_rfc3339(line.substr(0, line.find(' '))));
      if (dropping_ && !was_dropping && at > keep_from) out(text.substr(keep_from, at - keep_from));
      if (!dropping_ && was_dropping) keep_from = at;
    }
    mid_line_ = text[end - 1] != '\n';
    at = end;
    if (dropping_) keep_from = at;
  }
  if (keep_from < text.size()) out(text.substr(keep_from));
}

bool LogResume::skip(std::optional<EpochNanos> at) {
  if (skip_to_ && at && (*at < *skip_to_ || (*at == *skip_to_ && skip_at_last_ > 0))) {
    if (*at == *skip_to_) --skip_at_last_;
    return true;
  }
  skip_to_.reset();  // past the repeats: everything from here on is new
  if (at) {
    written_at_last_ = (last_ && *last_ == *at) ? written_at_last_ + 1 : 1;
    last_ = at;
  }
  return false;
}

std::string LogResume::since_time() const { return last_ ? format_rfc3339(*last_) : std::string(); }

void LogResume::reopen() {
  skip_to_ = last_;
  skip_at_last_ = written_at_last_;
  mid_line_ = false;
  dropping_ = false;
}

InstanceNow locate_instance(const nlohmann::json& pod, const LogInstance& instance) {
  for (auto& request : log_requests_of(pod)) {
    if (request.instance.container_id == instance.container_id) {
      return request.previous ? InstanceNow::kPrevious : InstanceNow::kCurrent;
    }
  }
  return InstanceNow::kGone;
}

// The connection dropped while following: the instance may have ended (and another started)
// meanwhile, so its pod says whether the rest is the current log, the previous one, or gone.
std::optional<LogRequest> LogFollowers::resume_request(const LogRequest& request) {
  const LogInstance& i = request.instance;
  kube::Response r = shared_.requests->get("/api/v1/namespaces/" + url_encode(i.ns) + "/pods/" +
                                           url_encode(i.pod));
  if (r.status == 0) return request;  // still unreachable: try the same again
  auto pod = nlohmann::json::parse(r.body, nullptr, false);
  if (!r.ok() || pod.is_discarded()) return std::nullopt;
  switch (locate_instance(pod, i)) {
    case InstanceNow::kCurrent:
      return LogRequest{i, false};
    case InstanceNow::kPrevious:
      return LogRequest{i, true};
    case InstanceNow::kGone:
      break;
  }
  return std::nullopt;
}

// One request of an instance's log, written through `resume` as it arrives, redacted line by
// line: memory holds one chunk and one unfinished line, whatever the log's size. A new
// LineRedactor per request: the unfinished line of a cut stream is dropped, and read again whole
// from the reopened one.
kube::Response LogFollowers::read_once(const LogRequest& request, LogResume& resume,
                                       const LogResume::Sink& sink) {
  LineRedactor lines(shared_.redactor, [&](std::string_view text) { resume.pass(text, sink); });
  const std::string since = resume.since_time();
  kube::Response r = shared_.logs->stream(
      log_path(request) + (since.empty() ? "" : "&sinceTime=" + url_encode(since)),
      [&](std::string_view chunk) {
        lines.feed(chunk);
        return !shared_.stopping();
      });
  if (r.error.empty()) lines.flush();  // the whole answer came: its last line too
  return r;
}

// Follows one instance until its log ends. A lost connection is resumed from the last line
// written, after a backoff, for as long as the instance exists.
void LogFollowers::follow(const LogRequest& request) {
  if (shared_.stopping()) return;
  auto appender = shared_.writer.open_log(shared_.cluster, request.instance);
  shared_.stats.log_stream_opened();
  const LogResume::Sink sink = [&](std::string_view text) { appender->append(text); };
  LogResume resume;
  LogRequest current = request;
  auto backoff = shared_.options.retry_backoff;
  int failures = 0;  // attempts in a row that read nothing
  std::string reason;
  while (reason.empty()) {
    kube::Response r = read_once(current, resume, sink);
    if (shared_.stopping()) break;
    shared_.stats.reached(r.status != 0);
    if (r.error.empty()) {  // the log ended, or an HTTP error
      reason = r.ok() ? (current.previous ? "previous instance read" : "container terminated")
                      : r.describe();
      break;
    }
    failures = r.bytes > 0 ? 0 : failures + 1;
    if (r.bytes > 0) backoff = shared_.options.retry_backoff;
    if (failures >= kMaxLogRetries) reason = "connection lost: " + r.describe();
    if (!reason.empty() || !shared_.stop.sleep_for(backoff)) break;
    backoff = std::min(backoff * 2, kMaxBackoff);
    auto next = resume_request(current);
    if (!next) reason = "connection lost: " + r.describe() + "; the instance is gone";
    if (next) current = *next;
    resume.reopen();
  }
  appender->close(reason.empty() ? "recorder stopped" : reason);
}

}  // namespace kmg::record
