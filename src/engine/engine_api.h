// The seam between discovery/node-log collection and a container engine (Docker, Podman,
// nerdctl). Production: SocketEngine (REST over a unix socket) and CliEngine (a CLI such as
// nerdctl). Unit tests: in-memory fakes.
//
// Like kube::Response, every call returns its outcome instead of throwing: a stopped or paused
// container, a missing file or a refused exec are answers a gather records and moves past, and
// the ErrorKind tells which one without parsing messages.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kmg::engine {

struct PortBinding {
  std::string container_port;  // "6443/tcp"
  std::string host_ip;         // "127.0.0.1" (empty from the engine is reported as given)
  std::string host_port;       // "41234"
};

struct Container {
  std::string id;
  std::string name;  // without the leading '/'
  std::string image;
  std::string state;   // "running", "exited", "created", "paused", ...
  std::string status;  // engine's human text, "Up 3 minutes"
  std::map<std::string, std::string> labels;
  std::vector<PortBinding> ports;  // published ports only
};

enum class ErrorKind {
  none,
  not_found,    // no such container, file in it, or executable for exec
  not_running,  // the container is stopped or paused
  refused,      // the engine would not do it: a privileged exec it may not grant, no permission
  timed_out,    // the call's timeout or the gather's deadline
  unavailable,  // the engine did not answer (no socket, connection refused, CLI missing)
  failed,       // anything else: an error reply, a reply we cannot read
};

// "not found", "not running", ... for messages and the manifest.
const char* to_string(ErrorKind kind);

// What every call returns: ok, or a kind and a message naming the engine, the request and the
// reason ("podman at /run/podman/podman.sock: GET /containers/x/json: 404 no such container").
struct Outcome {
  ErrorKind kind = ErrorKind::none;
  std::string error;
  bool ok() const { return kind == ErrorKind::none; }
};

struct ListResult : Outcome {
  std::vector<Container> containers;
};

struct InspectResult : Outcome {
  std::string json;  // Docker's /containers/{id}/json shape
};

struct StreamResult : Outcome {
  std::uint64_t bytes = 0;       // bytes handed to the sink
  bool stopped_by_sink = false;  // the sink returned false: not an error
};

// ok() means the engine ran the command: its own exit code may still be non-zero.
struct ExecResult : Outcome {
  int exit_code = -1;       // -1: unknown (stopped by the sink, or never ran)
  std::string stderr_text;  // the command's stderr, kept apart from stdout (capped)
  std::uint64_t stdout_bytes = 0;
  bool stopped_by_sink = false;
  bool succeeded() const { return ok() && exit_code == 0; }
};

struct CallOptions {
  std::chrono::milliseconds timeout{0};  // 0: the engine's own default for the call
  bool privileged = false;               // exec only: as `docker exec --privileged` (kind does)
};

using ChunkSink = std::function<bool(std::string_view chunk)>;

class EngineApi {
 public:
  virtual ~EngineApi() = default;
  virtual std::string provider() const = 0;  // "docker", "podman", "nerdctl"
  virtual std::string endpoint() const = 0;  // socket path or CLI binary
  // Containers (running or not) that carry label `label_key` (optionally "=value").
  virtual ListResult list_containers(const std::string& label_filter) = 0;
  // The inspect document as JSON text.
  virtual InspectResult inspect(const std::string& id) = 0;
  // Streams the tar archive of `path` inside the container (works on stopped containers).
  virtual StreamResult archive(const std::string& id, const std::string& path,
                               const ChunkSink& sink, const CallOptions& options) = 0;
  // Runs `cmd` in the (running) container; stdout is streamed to `sink`, stderr kept.
  virtual ExecResult exec(const std::string& id, const std::vector<std::string>& cmd,
                          const ChunkSink& sink, const CallOptions& options) = 0;
  // The container's own log (kind: serial.log), stdout and stderr merged.
  virtual StreamResult logs(const std::string& id, const ChunkSink& sink,
                            const CallOptions& options) = 0;
};

}  // namespace kmg::engine
