#include "engine/socket_engine.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/classify.h"
#include "engine/frame_demux.h"
#include "engine/inspect.h"
#include "util/curl.h"
#include "util/deadline.h"
#include "util/errors.h"
#include "util/process.h"
#include "util/text.h"

namespace kmg::engine {

namespace {

constexpr std::size_t kErrorBodyCap = 1 << 20;
constexpr std::size_t kJsonBodyCap = 256u << 20;  // a list of thousands of containers is far less

constexpr std::size_t kExecHeadCap = 512;  // enough to recognise the engine's own error text

}  // namespace

struct SocketEngine::Reply {
  long status = 0;
  std::string body;  // whole body when not streamed; the error body otherwise
  std::map<std::string, std::string> headers;
  std::string error;  // transport error
  ErrorKind error_kind = ErrorKind::none;
  bool stopped_by_sink = false;
};

namespace {

struct Transfer {
  CURL* curl = nullptr;
  const ChunkSink* sink = nullptr;
  std::string* body = nullptr;
  std::map<std::string, std::string>* headers = nullptr;
  bool stopped = false;
  bool too_big = false;
  const Deadline* deadline = nullptr;
};

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->sink != nullptr && status >= 200 && status < 300) {
    if (!(*t->sink)(std::string_view(data, n))) {
      t->stopped = true;
      return 0;
    }
    return n;
  }
  const std::size_t cap = t->sink != nullptr ? kErrorBodyCap : kJsonBodyCap;
  if (t->body->size() + n > cap) {
    t->too_big = true;
    return 0;
  }
  t->body->append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  // A new status line (after 100 Continue or a redirect) starts a new header block.
  if (line.rfind("HTTP/", 0) == 0) t->headers->clear();
  const auto colon = line.find(':');
  if (colon != std::string_view::npos)
    (*t->headers)[to_lower(trim(line.substr(0, colon)))] =
        std::string(trim(line.substr(colon + 1)));
  return size * count;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->deadline != nullptr && t->deadline->expired() ? 1 : 0;
}

std::string join_cmd(const std::vector<std::string>& cmd) { return join(cmd, " "); }

std::string first_line(std::string_view text) {
  text = trim(text);
  return std::string(trim(text.substr(0, text.find('\n'))));
}

}  // namespace

std::string engine_error_message(long status, const std::string& body) {
  try {
    const auto j = nlohmann::json::parse(body);
    if (j.is_object() && j.contains("message") && j["message"].is_string())
      return j["message"].get<std::string>();
  } catch (const nlohmann::json::exception&) {
    // Not JSON: fall through to the raw text.
  }
  const std::string_view text = trim(body);
  if (!text.empty()) return std::string(text.substr(0, 300));
  return "HTTP " + std::to_string(status);
}

SocketEngine::SocketEngine(std::string socket_path, std::string provider_hint,
                           SocketEngineOptions options)
    : socket_path_(std::move(socket_path)), options_(options), provider_(std::move(provider_hint)) {
  curl::global_init();
}

std::string SocketEngine::provider() const {
  std::lock_guard lock(mutex_);
  return provider_;
}

Outcome SocketEngine::failure(ErrorKind kind, const std::string& method, const std::string& path,
                              const std::string& reason) const {
  Outcome out;
  out.kind = kind;
  out.error = provider() + " at " + socket_path_ + ": " + method + " " + path + ": " + reason;
  return out;
}

bool SocketEngine::judge(const Reply& reply, const std::string& method, const std::string& path,
                         Outcome& out) const {
  if (!reply.error.empty()) {
    out = failure(reply.error_kind, method, path, reply.error);
    return false;
  }
  if (reply.status < 200 || reply.status >= 300) {
    const std::string message = engine_error_message(reply.status, reply.body);
    out = failure(kind_from_status(reply.status, message), method, path,
                  std::to_string(reply.status) + " " + message);
    return false;
  }
  return true;
}

SocketEngine::Millis SocketEngine::call_timeout(const CallOptions& options) const {
  return options.timeout.count() > 0 ? options.timeout : options_.stream_timeout;
}

SocketEngine::Reply SocketEngine::request(const std::string& method, const std::string& path,
                                          const std::string& body, const ChunkSink* sink,
                                          Millis timeout) {
  Reply reply;
  curl::Easy curl = curl::make_easy();
  if (!curl) {
    reply.error = "curl_easy_init failed";
    reply.error_kind = ErrorKind::failed;
    return reply;
  }
  Transfer t;
  t.curl = curl.get();
  t.sink = sink;
  t.body = &reply.body;
  t.headers = &reply.headers;
  t.deadline = options_.deadline;
  const std::string url = "http://localhost" + path;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  if (options_.deadline != nullptr) timeout = std::min(timeout, options_.deadline->remaining());
  timeout = std::max(timeout, Millis(1));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min<long long>(10000, timeout.count())));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  // A stream that sends nothing for as long as a whole JSON call may take has stopped: an exec
  // in a paused container (kind#1298) hangs without a byte until the call's own timeout, which
  // for a node's journal is long. The stall ends it after request_timeout instead, counted once
  // libcurl's speed (an average over its last ~6 s) has dropped to nothing.
  const long stall_seconds = std::max<long>(
      1, static_cast<long>(
             std::chrono::duration_cast<std::chrono::seconds>(options_.request_timeout).count()));
  if (sink != nullptr && stall_seconds * 1000 < timeout.count()) {
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_seconds);
  }
  curl::Slist headers;
  if (method == "POST") {
    headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.stopped_by_sink = t.stopped;
  if (rc == CURLE_OK || t.stopped) return reply;
  long os_errno = 0;
  curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
  reply.error_kind = ErrorKind::failed;
  if (t.too_big) {
    reply.error = "reply too large";
  } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
    reply.error = "deadline reached";
    reply.error_kind = ErrorKind::timed_out;
  } else if (rc == CURLE_OPERATION_TIMEDOUT) {
    double seconds = 0;
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &seconds);
    const bool stalled = sink != nullptr && seconds * 1000 + 500 < timeout.count();
    reply.error = stalled ? "stalled: no data for " + std::to_string(stall_seconds) + "s"
                          : "timed out after " + std::to_string(timeout.count() / 1000) + "s";
    reply.error_kind = ErrorKind::timed_out;
  } else if (os_errno != 0 && reply.status == 0) {
    // "permission denied", "no such file or directory", "connection refused"
    reply.error = to_lower(std::strerror(static_cast<int>(os_errno)));
    reply.error_kind = ErrorKind::unavailable;
  } else {
    reply.error = curl_easy_strerror(rc);
  }
  return reply;
}

Outcome SocketEngine::try_ping() {
  Outcome out;
  {
    std::lock_guard lock(mutex_);
    if (!version_.empty()) return out;
  }
  Reply reply = request("GET", "/_ping", "", nullptr, options_.request_timeout);
  if (!judge(reply, "GET", "/_ping", out)) return out;
  std::string version = reply.headers.count("api-version") ? reply.headers["api-version"] : "";
  const std::string server = reply.headers.count("server") ? reply.headers["server"] : "";
  const bool podman =
      reply.headers.count("libpod-api-version") > 0 || to_lower(server).rfind("libpod", 0) == 0;
  std::lock_guard lock(mutex_);
  provider_ = podman ? "podman" : "docker";
  // No header: an old engine; unversioned paths mean "the daemon's current version".
  version_ = version.empty() ? "none" : version;
  return out;
}

void SocketEngine::ping() {
  const Outcome out = try_ping();
  if (!out.ok()) throw Error(out.error);
}

std::string SocketEngine::api_version() {
  if (!try_ping().ok()) return "";
  std::lock_guard lock(mutex_);
  return version_ == "none" ? "" : version_;
}

bool SocketEngine::versioned(const std::string& path, std::string& full, Outcome& out) {
  out = try_ping();
  if (!out.ok()) return false;
  const std::string v = api_version();
  full = v.empty() ? path : "/v" + v + path;
  return true;
}

ListResult SocketEngine::list_containers(const std::string& label_filter) {
  ListResult result;
  const nlohmann::json filters = {{"label", {label_filter}}};
  std::string path;
  if (!versioned("/containers/json?all=1&filters=" + url_encode(filters.dump()), path, result))
    return result;
  Reply reply = request("GET", path, "", nullptr, options_.request_timeout);
  if (!judge(reply, "GET", path, result)) return result;
  const auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_array()) {
    static_cast<Outcome&>(result) =
        failure(ErrorKind::failed, "GET", path, "expected a JSON array");
    return result;
  }
  for (const auto& item : j) result.containers.push_back(container_from_list_item(item));
  return result;
}

InspectResult SocketEngine::inspect(const std::string& id) {
  InspectResult result;
  std::string path;
  if (!versioned("/containers/" + url_encode(id) + "/json", path, result)) return result;
  Reply reply = request("GET", path, "", nullptr, options_.request_timeout);
  if (judge(reply, "GET", path, result)) result.json = std::move(reply.body);
  return result;
}

StreamResult SocketEngine::stream(const std::string& path, const ChunkSink& sink, Millis timeout) {
  StreamResult result;
  const ChunkSink counted = [&](std::string_view chunk) {
    result.bytes += chunk.size();
    return sink(chunk);
  };
  Reply reply = request("GET", path, "", &counted, timeout);
  result.stopped_by_sink = reply.stopped_by_sink;
  judge(reply, "GET", path, result);
  return result;
}

StreamResult SocketEngine::archive(const std::string& id, const std::string& path,
                                   const ChunkSink& sink, const CallOptions& options) {
  std::string req;
  StreamResult result;
  if (!versioned("/containers/" + url_encode(id) + "/archive?path=" + url_encode(path), req,
                 result))
    return result;
  return stream(req, sink, call_timeout(options));
}

// The exit code can lag the end of the stream by a moment while the engine reaps the process.
void SocketEngine::exit_code_of(const std::string& exec_id,
                                std::chrono::steady_clock::time_point end, ExecResult& result) {
  std::string path;
  if (!versioned("/exec/" + exec_id + "/json", path, result)) return;
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto left = std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
    Reply info = request("GET", path, "", nullptr, std::min(left, options_.request_timeout));
    if (!judge(info, "GET", path, result)) return;
    const auto j = nlohmann::json::parse(info.body, nullptr, false);
    if (j.is_discarded()) {
      static_cast<Outcome&>(result) = failure(ErrorKind::failed, "GET", path, "invalid JSON");
      return;
    }
    if (!j.value("Running", false) && j.contains("ExitCode") && j["ExitCode"].is_number_integer()) {
      result.exit_code = j["ExitCode"].get<int>();
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

ExecResult SocketEngine::exec(const std::string& id, const std::vector<std::string>& cmd,
                              const ChunkSink& sink, const CallOptions& options) {
  const auto end = std::chrono::steady_clock::now() + call_timeout(options);
  const auto left = [&end] {
    return std::chrono::duration_cast<Millis>(end - std::chrono::steady_clock::now());
  };
  ExecResult result;
  std::string create;
  if (!versioned("/containers/" + url_encode(id) + "/exec", create, result)) return result;
  const nlohmann::json create_body = {{"AttachStdin", false},
                                      {"AttachStdout", true},
                                      {"AttachStderr", true},
                                      {"Tty", false},
                                      {"Privileged", options.privileged},
                                      {"Cmd", cmd}};
  Reply created = request("POST", create, create_body.dump(), nullptr,
                          std::min(left(), options_.request_timeout));
  if (!judge(created, "POST", create, result)) return result;
  const auto id_doc = nlohmann::json::parse(created.body, nullptr, false);
  if (!id_doc.is_object() || !id_doc.contains("Id") || !id_doc["Id"].is_string()) {
    static_cast<Outcome&>(result) =
        failure(ErrorKind::failed, "POST", create, "no exec Id in reply");
    return result;
  }
  const std::string exec_id = id_doc["Id"].get<std::string>();

  // Tty is false, so the stream is multiplexed whatever the Content-Type says. The first bytes
  // of stdout are kept: when the engine cannot start the command (Docker: "OCI runtime exec
  // failed: ... unable to apply caps"), that is where it says so.
  std::string head;
  const ChunkSink out = [&](std::string_view chunk) {
    if (head.size() < kExecHeadCap) head.append(chunk.substr(0, kExecHeadCap - head.size()));
    result.stdout_bytes += chunk.size();
    return sink(chunk);
  };
  FrameDemuxer demux(out);
  const ChunkSink feed = [&demux](std::string_view chunk) { return demux.feed(chunk); };
  std::string start;
  if (!versioned("/exec/" + exec_id + "/start", start, result)) return result;
  Reply started = request("POST", start, nlohmann::json{{"Detach", false}, {"Tty", false}}.dump(),
                          &feed, left());
  result.stderr_text = demux.stderr_text();
  result.stopped_by_sink = started.stopped_by_sink;
  if (!judge(started, "POST", start + " (" + join_cmd(cmd) + ")", result)) return result;
  if (started.stopped_by_sink) return result;  // the caller stopped reading; no exit code
  exit_code_of(exec_id, end, result);
  if (result.ok() && result.exit_code != 0) {
    const std::string said = is_exec_start_failure(head) ? head : result.stderr_text;
    if (is_exec_start_failure(said)) {
      static_cast<Outcome&>(result) = failure(kind_from_message(said), "POST",
                                              start + " (" + join_cmd(cmd) + ")", first_line(said));
    }
  }
  return result;
}

StreamResult SocketEngine::logs(const std::string& id, const ChunkSink& sink,
                                const CallOptions& options) {
  const InspectResult doc = inspect(id);
  if (!doc.ok()) {
    StreamResult result;
    static_cast<Outcome&>(result) = doc;
    return result;
  }
  const auto parsed = nlohmann::json::parse(doc.json, nullptr, false);
  const bool tty = !parsed.is_discarded() && inspect_tty(parsed);
  StreamResult result;
  std::string path;
  if (!versioned("/containers/" + url_encode(id) + "/logs?stdout=1&stderr=1&timestamps=1", path,
                 result))
    return result;
  if (tty) return stream(path, sink, call_timeout(options));
  FrameDemuxer demux(sink, 0, /*merge=*/true);
  const ChunkSink feed = [&demux](std::string_view chunk) { return demux.feed(chunk); };
  return stream(path, feed, call_timeout(options));
}

}  // namespace kmg::engine
