// pods/log: the kubelet's container choice, status checks and filters, and follow.
#include <algorithm>
#include <chrono>
#include <memory>

#include "selectors.h"
#include "server.h"
#include "server_http.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

struct LogOptions {
  bool timestamps = false;
  std::optional<std::int64_t> tail_lines;
  std::optional<std::int64_t> limit_bytes;
  std::optional<std::int64_t> since_seconds;
  std::optional<EpochNanos> since_time;
};

// kubelet's log filtering: since*, then tail, then the timestamp prefix, then limitBytes.
std::string render_log(const LogStream* stream, const LogOptions& o) {
  if (stream == nullptr) return "";
  struct Line {
    std::optional<EpochNanos> t;
    std::string_view full, text;
  };
  std::vector<Line> lines;
  lines.reserve(stream->lines.size());
  std::optional<EpochNanos> newest;
  for (const auto& l : stream->lines) {
    Line line{std::nullopt, l, l};
    const auto sp = l.find(' ');
    if (sp != std::string::npos) {
      line.t = parse_rfc3339(std::string_view(l).substr(0, sp));
      if (line.t) {
        line.text = std::string_view(l).substr(sp + 1);
        if (!newest || *line.t > *newest) newest = line.t;
      }
    }
    lines.push_back(line);
  }
  std::optional<EpochNanos> cutoff = o.since_time;
  // sinceSeconds counts back from the newest line of this log, so answers do not depend on "now".
  if (o.since_seconds && newest) cutoff = *newest - *o.since_seconds * 1000000000LL;
  if (cutoff) {
    std::vector<Line> kept;
    for (const auto& l : lines) {
      if (!l.t || *l.t >= *cutoff) kept.push_back(l);
    }
    lines.swap(kept);
  }
  size_t first = 0;
  if (o.tail_lines && *o.tail_lines >= 0 && static_cast<size_t>(*o.tail_lines) < lines.size()) {
    first = lines.size() - static_cast<size_t>(*o.tail_lines);
  }
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) {
    out += o.timestamps ? lines[i].full : lines[i].text;
    out += '\n';
  }
  if (o.limit_bytes && *o.limit_bytes >= 0 && static_cast<size_t>(*o.limit_bytes) < out.size()) {
    out.resize(static_cast<size_t>(*o.limit_bytes));
  }
  return out;
}

json find_container_status(const json& pod, const std::string& container) {
  const auto& status = pod.value("status", json::object());
  for (const char* field :
       {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
    for (const auto& c : status.value(field, json::array())) {
      if (c.value("name", "") == container) return c;
    }
  }
  return nullptr;
}

std::vector<std::string> container_names(const json& pod, const char* field) {
  std::vector<std::string> out;
  for (const auto& c : pod.value("spec", json::object()).value(field, json::array())) {
    out.push_back(c.value("name", ""));
  }
  return out;
}

// The container a log request names, or the pod's only one (kubelet's validation messages).
std::string choose_container(const json& pod, const std::string& pod_name, std::string container) {
  const auto containers = container_names(pod, "containers");
  const auto inits = container_names(pod, "initContainers");
  const auto ephemeral = container_names(pod, "ephemeralContainers");
  if (container.empty()) {
    if (containers.size() == 1) return containers[0];
    std::string msg = "a container name must be specified for pod " + pod_name +
                      ", choose one of: [" + join(containers, " ") + "]";
    if (!inits.empty()) msg += " or one of the init containers: [" + join(inits, " ") + "]";
    if (!ephemeral.empty()) {
      msg += " or one of the ephemeral containers: [" + join(ephemeral, " ") + "]";
    }
    throw SelectorError(msg);
  }
  auto known = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), container) != v.end();
  };
  if (!known(containers) && !known(inits) && !known(ephemeral)) {
    throw SelectorError("container " + container + " is not valid for pod " + pod_name);
  }
  return container;
}

// kubelet validateContainerLogStatus: what the container's status allows when it has no log.
void check_log_status(const json& pod, const std::string& pod_name, const std::string& container,
                      bool previous) {
  const json status = find_container_status(pod, container);
  const std::string who = "container \"" + container + "\" in pod \"" + pod_name + "\"";
  if (status.is_null()) throw SelectorError(who + " is not available");
  const auto& state = status.value("state", json::object());
  const bool has_last = status.value("lastState", json::object()).contains("terminated");
  if (previous) {
    if (!has_last) {
      throw SelectorError("previous terminated container \"" + container + "\" in pod \"" +
                          pod_name + "\" not found");
    }
  } else if (!state.contains("running") && !state.contains("terminated") && !has_last) {
    const auto reason =
        state.contains("waiting") ? state["waiting"].value("reason", "") : std::string();
    if (reason == "ErrImagePull")
      throw SelectorError(who + " is waiting to start: image can't be pulled");
    if (reason == "ImagePullBackOff") {
      throw SelectorError(who + " is waiting to start: trying and failing to pull image");
    }
    if (!reason.empty()) throw SelectorError(who + " is waiting to start: " + reason);
    throw SelectorError(who + " is waiting to start - no logs yet");
  }
}

// A follow only waits for more while the container runs (no status at all counts as running).
bool container_running(const json& pod, const std::string& container) {
  const json status = find_container_status(pod, container);
  return status.is_null() || status.value("state", json::object()).contains("running");
}

LogOptions log_options(const httplib::Request& req) {
  LogOptions o;
  o.timestamps = truthy(param(req, "timestamps"));
  o.tail_lines = int_param(req, "tailLines");
  o.limit_bytes = int_param(req, "limitBytes");
  o.since_seconds = int_param(req, "sinceSeconds");
  if (const auto t = param(req, "sinceTime"); !t.empty()) {
    o.since_time = parse_rfc3339(t);
    if (!o.since_time) throw SelectorError("invalid sinceTime: " + t);
  }
  return o;
}

}  // namespace

void ApiServer::serve_log(const httplib::Request& req, httplib::Response& res,
                          const std::string& ns, const std::string& pod_name) {
  const ResourceInfo* pods = store_.find("", "v1", "pods");
  const ObjectPtr pod = store_.get(*pods, ns, pod_name);
  if (pod == nullptr) {
    send_not_found(res, *pods, pod_name);
    return;
  }
  const std::string container = choose_container(*pod, pod_name, param(req, "container"));
  const bool previous = truthy(param(req, "previous"));
  const bool follow =
      truthy(param(req, "follow")) && !previous && container_running(*pod, container);
  std::optional<LogStream> stream = follow ? store_.current_log(ns, pod_name, container)
                                           : store_.find_log(ns, pod_name, container, previous);
  if (!stream && !follow) check_log_status(*pod, pod_name, container, previous);
  const LogOptions o = log_options(req);
  std::string body = stream ? render_log(&*stream, o) : std::string();
  if (follow) {
    stream_uncompressed(req);
    follow_log(res, *stream, o.timestamps, std::move(body));
    return;
  }
  const std::int64_t cut = options_.cut_logs_after;
  if (cut < 0 || static_cast<std::size_t>(cut) >= body.size()) {
    res.set_content(body, "text/plain");
    return;
  }
  // --cut-logs-after: stream the first N bytes, then drop the connection mid-body.
  auto shared = std::make_shared<std::string>(std::move(body));
  res.set_chunked_content_provider(
      "text/plain", [shared, cut](size_t offset, httplib::DataSink& sink) {
        if (offset >= static_cast<size_t>(cut)) return false;
        sink.write(shared->data() + offset, static_cast<size_t>(cut) - offset);
        return true;
      });
}

// As the kubelet's follow: what is there, then each line as it is written, until that container
// instance is gone (a restart starts a new log; a deleted pod ends it).
void ApiServer::follow_log(httplib::Response& res, const LogStream& stream, bool timestamps,
                           std::string head) {
  struct State {
    std::string pending;
    std::size_t next_line = 0;
  };
  auto state = std::make_shared<State>();
  state->pending = std::move(head);
  state->next_line = stream.lines.size();
  const std::uint64_t epoch = epoch_;
  const std::uint64_t instance = stream.instance;
  res.set_chunked_content_provider(
      "text/plain", [this, state, epoch, instance, timestamps](size_t, httplib::DataSink& sink) {
        if (!state->pending.empty()) {
          const bool ok = sink.write(state->pending.data(), state->pending.size());
          state->pending.clear();
          return ok;
        }
        if (!serving(epoch)) return false;  // stop or outage: the connection just drops
        const std::uint64_t seen = store_.sequence();
        const auto lines = store_.log_lines_since(instance, state->next_line);
        if (!lines) {
          sink.done();
          return true;
        }
        if (lines->empty()) {
          store_.wait_for_change(seen, std::chrono::milliseconds(250));
          return true;
        }
        state->next_line += lines->size();
        LogStream fresh;
        fresh.lines = *lines;
        LogOptions o;
        o.timestamps = timestamps;
        const std::string text = render_log(&fresh, o);
        return sink.write(text.data(), text.size());
      });
}

}  // namespace kmg::fakeapi
