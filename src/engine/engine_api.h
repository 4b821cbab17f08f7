// The seam between discovery/node-log collection and a container engine (Docker, Podman,
// nerdctl). Production: SocketEngine (REST over a unix socket) and CliEngine (a CLI such as
// nerdctl). Unit tests: an in-memory fake.
#pragma once

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

struct ExecResult {
  int exit_code = -1;
  std::string stderr_text;  // capped; stdout goes to the sink
};

using ChunkSink = std::function<bool(std::string_view chunk)>;

// Every call throws kmg::Error with the engine, the request and the reason
// ("podman at /run/podman/podman.sock: GET /containers/json: permission denied").
class EngineApi {
 public:
  virtual ~EngineApi() = default;
  virtual std::string provider() const = 0;  // "docker", "podman", "nerdctl"
  virtual std::string endpoint() const = 0;  // socket path or CLI binary
  // Containers (running or not) that carry label `label_key` (optionally "=value").
  virtual std::vector<Container> list_containers(const std::string& label_filter) = 0;
  // The inspect document (Docker's /containers/{id}/json shape) as JSON text.
  virtual std::string inspect(const std::string& id) = 0;
  // Streams the tar archive of `path` inside the container.
  virtual void archive(const std::string& id, const std::string& path, const ChunkSink& sink) = 0;
  // Runs `cmd` in the (running) container; stdout is streamed to `sink`.
  virtual ExecResult exec(const std::string& id, const std::vector<std::string>& cmd,
                          const ChunkSink& sink) = 0;
  // The container's own log (kind: serial.log), stdout and stderr merged.
  virtual void logs(const std::string& id, const ChunkSink& sink) = 0;
};

}  // namespace kmg::engine
