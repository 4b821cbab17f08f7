// EngineApi through a container CLI (nerdctl; docker or podman when their socket cannot be
// opened). Commands run with fork/exec, never a shell, each with a timeout.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "engine/engine_api.h"

namespace kmg::engine {

// Parses `<cli> ps -a --format '{{json .}}'` output: one JSON object per line (docker, nerdctl)
// or one JSON array (podman). Labels may be a "k=v,k2=v2" string or a map, Ports a
// "127.0.0.1:41234->6443/tcp, ..." string or podman's [{host_ip, container_port, ...}] list;
// State may be missing (nerdctl), then it is derived from Status ("Up 3 minutes" → running).
// Throws kmg::Error naming the line that is not JSON.
std::vector<Container> parse_ps_output(const std::string& text);

// "a=b,c=d" as docker/nerdctl print labels; commas inside a value (nerdctl's JSON-valued labels)
// stay in that value.
std::map<std::string, std::string> parse_label_string(const std::string& text);

// "127.0.0.1:41234->6443/tcp, :::80->80/tcp, 9000/tcp": published ports only.
std::vector<PortBinding> parse_port_string(const std::string& text);

// "running", "exited", "created", "paused", ... from a human Status ("Up 2 hours (Paused)").
std::string state_from_status(const std::string& status);

struct CliEngineOptions {
  std::chrono::milliseconds command_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds stream_timeout{std::chrono::minutes(10)};  // exec, logs, archive
};

class CliEngine final : public EngineApi {
 public:
  // `provider`: docker, podman or nerdctl; `binary`: the executable (path or name in PATH).
  CliEngine(std::string provider, std::string binary, CliEngineOptions options = {});

  // `<cli> version`: the CLI's complaint when it cannot reach its engine.
  Outcome check_available();

  std::string provider() const override { return provider_; }
  std::string endpoint() const override { return binary_; }
  ListResult list_containers(const std::string& label_filter) override;
  InspectResult inspect(const std::string& id) override;
  // docker/podman: `cp <id>:<path> -` (works on stopped containers); nerdctl: `exec tar -cf -`.
  StreamResult archive(const std::string& id, const std::string& path, const ChunkSink& sink,
                       const CallOptions& options) override;
  ExecResult exec(const std::string& id, const std::vector<std::string>& cmd, const ChunkSink& sink,
                  const CallOptions& options) override;
  StreamResult logs(const std::string& id, const ChunkSink& sink,
                    const CallOptions& options) override;

 private:
  Outcome run(const std::vector<std::string>& args, std::string& out);
  StreamResult stream(const std::vector<std::string>& args, const ChunkSink& sink, bool merge,
                      const CallOptions& options);
  Outcome failure(ErrorKind kind, const std::vector<std::string>& args,
                  const std::string& reason) const;

  std::string provider_;
  std::string binary_;
  CliEngineOptions options_;
};

}  // namespace kmg::engine
