#include "engine/socket_engine.h"

#include <cerrno>
#include <cstring>
#include <map>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "engine/frame_demux.h"
#include "engine/inspect.h"
#include "util/deadline.h"
#include "util/errors.h"
#include "util/text.h"

namespace kmg::engine {

namespace {

constexpr std::size_t kErrorBodyCap = 1 << 20;
constexpr std::size_t kJsonBodyCap = 256u << 20;  // a list of thousands of containers is far less

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

struct SocketEngine::Reply {
  long status = 0;
  std::string body;  // whole body when not streamed; the error body otherwise
  std::map<std::string, std::string> headers;
  std::string error;  // transport error
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
  static const CURLcode global_init = curl_global_init(CURL_GLOBAL_DEFAULT);
  (void)global_init;
}

std::string SocketEngine::provider() const {
  std::lock_guard lock(mutex_);
  return provider_;
}

void SocketEngine::fail(const std::string& method, const std::string& path,
                        const std::string& reason) const {
  throw Error(provider() + " at " + socket_path_ + ": " + method + " " + path + ": " + reason);
}

void SocketEngine::check(const Reply& reply, const std::string& method,
                         const std::string& path) const {
  if (!reply.error.empty()) fail(method, path, reply.error);
  if (reply.status < 200 || reply.status >= 300)
    fail(method, path,
         std::to_string(reply.status) + " " + engine_error_message(reply.status, reply.body));
}

SocketEngine::Reply SocketEngine::request(const std::string& method, const std::string& path,
                                          const std::string& body, const ChunkSink* sink,
                                          bool streaming) {
  Reply reply;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    reply.error = "curl_easy_init failed";
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
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  auto timeout = streaming ? options_.stream_timeout : options_.request_timeout;
  if (options_.deadline != nullptr) timeout = std::min(timeout, options_.deadline->remaining());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<long long>(1, timeout.count())));
  std::unique_ptr<curl_slist, SlistDeleter> headers;
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
  if (rc != CURLE_OK && !t.stopped) {
    long os_errno = 0;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    if (t.too_big) {
      reply.error = "reply too large";
    } else if (rc == CURLE_ABORTED_BY_CALLBACK) {
      reply.error = "deadline reached";
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
      reply.error = "timed out after " + std::to_string(timeout.count() / 1000) + "s";
    } else if (os_errno != 0 && reply.status == 0) {
      // "permission denied", "no such file or directory", "connection refused"
      reply.error = to_lower(std::strerror(static_cast<int>(os_errno)));
    } else {
      reply.error = curl_easy_strerror(rc);
    }
  }
  return reply;
}

void SocketEngine::ping() {
  {
    std::lock_guard lock(mutex_);
    if (!version_.empty()) return;
  }
  Reply reply = request("GET", "/_ping", "", nullptr, false);
  check(reply, "GET", "/_ping");
  std::string version = reply.headers.count("api-version") ? reply.headers["api-version"] : "";
  const std::string server = reply.headers.count("server") ? reply.headers["server"] : "";
  const bool podman =
      reply.headers.count("libpod-api-version") > 0 || to_lower(server).rfind("libpod", 0) == 0;
  std::lock_guard lock(mutex_);
  provider_ = podman ? "podman" : "docker";
  // No header: an old engine; unversioned paths mean "the daemon's current version".
  version_ = version.empty() ? "none" : version;
}

std::string SocketEngine::api_version() {
  ping();
  std::lock_guard lock(mutex_);
  return version_ == "none" ? "" : version_;
}

std::string SocketEngine::versioned(const std::string& path) {
  const std::string v = api_version();
  return v.empty() ? path : "/v" + v + path;
}

std::vector<Container> SocketEngine::list_containers(const std::string& label_filter) {
  const nlohmann::json filters = {{"label", {label_filter}}};
  const std::string path =
      versioned("/containers/json?all=1&filters=" + url_encode(filters.dump()));
  Reply reply = request("GET", path, "", nullptr, false);
  check(reply, "GET", path);
  std::vector<Container> out;
  try {
    const auto j = nlohmann::json::parse(reply.body);
    if (!j.is_array()) fail("GET", path, "expected a JSON array");
    for (const auto& item : j) out.push_back(container_from_list_item(item));
  } catch (const nlohmann::json::exception& e) {
    fail("GET", path, std::string("invalid JSON: ") + e.what());
  }
  return out;
}

std::string SocketEngine::inspect(const std::string& id) {
  const std::string path = versioned("/containers/" + url_encode(id) + "/json");
  Reply reply = request("GET", path, "", nullptr, false);
  check(reply, "GET", path);
  return reply.body;
}

void SocketEngine::archive(const std::string& id, const std::string& path, const ChunkSink& sink) {
  const std::string req =
      versioned("/containers/" + url_encode(id) + "/archive?path=" + url_encode(path));
  Reply reply = request("GET", req, "", &sink, true);
  check(reply, "GET", req);
}

ExecResult SocketEngine::exec(const std::string& id, const std::vector<std::string>& cmd,
                              const ChunkSink& sink) {
  const std::string create = versioned("/containers/" + url_encode(id) + "/exec");
  const nlohmann::json create_body = {{"AttachStdin", false}, {"AttachStdout", true},
                                      {"AttachStderr", true}, {"Tty", false},
                                      {"Privileged", true},   {"Cmd", cmd}};
  Reply created = request("POST", create, create_body.dump(), nullptr, false);
  check(created, "POST", create);
  std::string exec_id;
  try {
    exec_id = nlohmann::json::parse(created.body).at("Id").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    fail("POST", create, std::string("no exec Id in reply: ") + e.what());
  }

  // Tty is false, so the stream is multiplexed whatever the Content-Type says.
  const std::string start = versioned("/exec/" + exec_id + "/start");
  FrameDemuxer demux(sink);
  const ChunkSink feed = [&demux](std::string_view chunk) { return demux.feed(chunk); };
  Reply started =
      request("POST", start, nlohmann::json{{"Detach", false}, {"Tty", false}}.dump(), &feed, true);
  check(started, "POST", start + " (" + join_cmd(cmd) + ")");

  ExecResult result;
  result.stderr_text = demux.stderr_text();
  if (started.stopped_by_sink) return result;  // the caller stopped reading; no exit code

  // The exit code can lag the end of the stream by a moment while the engine reaps the process.
  const std::string inspect_path = versioned("/exec/" + exec_id + "/json");
  for (int attempt = 0; attempt < 20; ++attempt) {
    Reply info = request("GET", inspect_path, "", nullptr, false);
    check(info, "GET", inspect_path);
    try {
      const auto j = nlohmann::json::parse(info.body);
      const bool running = j.value("Running", false);
      if (!running && j.contains("ExitCode") && j["ExitCode"].is_number_integer()) {
        result.exit_code = j["ExitCode"].get<int>();
        return result;
      }
    } catch (const nlohmann::json::exception& e) {
      fail("GET", inspect_path, std::string("invalid JSON: ") + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return result;  // exit_code stays -1: unknown
}

void SocketEngine::logs(const std::string& id, const ChunkSink& sink) {
  bool tty = false;
  try {
    tty = inspect_tty(nlohmann::json::parse(inspect(id)));
  } catch (const nlohmann::json::exception&) {
    tty = false;
  }
  const std::string path =
      versioned("/containers/" + url_encode(id) + "/logs?stdout=1&stderr=1&timestamps=1");
  if (tty) {
    Reply reply = request("GET", path, "", &sink, true);
    check(reply, "GET", path);
    return;
  }
  FrameDemuxer demux(sink, 0, /*merge=*/true);
  const ChunkSink feed = [&demux](std::string_view chunk) { return demux.feed(chunk); };
  Reply reply = request("GET", path, "", &feed, true);
  check(reply, "GET", path);
}

}  // namespace kmg::engine
