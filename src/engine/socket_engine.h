// EngineApi over the Docker Engine REST API on a unix socket (Docker, or Podman's compat API),
// with libcurl. The API version is negotiated once with GET /_ping; the provider ("docker" or
// "podman") is read from the same reply.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "engine/engine_api.h"

namespace kmg {
class Deadline;
}

namespace kmg::engine {

struct SocketEngineOptions {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // JSON calls
  std::chrono::milliseconds stream_timeout{std::chrono::minutes(10)};   // exec, logs, archive
  const Deadline* deadline = nullptr;                                   // no request outlives it
};

class SocketEngine final : public EngineApi {
 public:
  // `provider_hint` names the engine in messages until /_ping has told which one it is.
  SocketEngine(std::string socket_path, std::string provider_hint,
               SocketEngineOptions options = {});

  // GET /_ping: negotiates the version and learns the provider. Called lazily by every other
  // method; call it first to test the socket. try_ping reports, ping throws kmg::Error.
  Outcome try_ping();
  void ping();
  std::string api_version();  // "1.41"; pings first ("" when the ping failed)

  std::string provider() const override;
  std::string endpoint() const override { return socket_path_; }
  ListResult list_containers(const std::string& label_filter) override;
  InspectResult inspect(const std::string& id) override;
  StreamResult archive(const std::string& id, const std::string& path, const ChunkSink& sink,
                       const CallOptions& options) override;
  ExecResult exec(const std::string& id, const std::vector<std::string>& cmd, const ChunkSink& sink,
                  const CallOptions& options) override;
  StreamResult logs(const std::string& id, const ChunkSink& sink,
                    const CallOptions& options) override;

 private:
  struct Reply;
  using Millis = std::chrono::milliseconds;
  Reply request(const std::string& method, const std::string& path, const std::string& body,
                const ChunkSink* sink, Millis timeout);
  // "/v1.41" + path once negotiated; false (and `out` set) when the engine does not answer.
  bool versioned(const std::string& path, std::string& full, Outcome& out);
  // Sets `out` from the reply; true when the reply is a success.
  bool judge(const Reply& reply, const std::string& method, const std::string& path,
             Outcome& out) const;
  Outcome failure(ErrorKind kind, const std::string& method, const std::string& path,
                  const std::string& reason) const;
  StreamResult stream(const std::string& path, const ChunkSink& sink, Millis timeout);
  void exit_code_of(const std::string& exec_id, std::chrono::steady_clock::time_point end,
                    ExecResult& result);
  Millis call_timeout(const CallOptions& options) const;

  std::string socket_path_;
  SocketEngineOptions options_;
  mutable std::mutex mutex_;
  std::string provider_;
  std::string version_;  // empty until pinged
};

// The reason in an engine's error reply: the JSON "message", else the trimmed body, else the
// HTTP status ("404 Not Found").
std::string engine_error_message(long status, const std::string& body);

}  // namespace kmg::engine
