// Which container engines to ask, the way users expect: DOCKER_HOST / CONTAINER_HOST, the
// default Docker and Podman sockets, KIND_EXPERIMENTAL_PROVIDER and --provider; nerdctl through
// its CLI; docker/podman CLIs when no socket of theirs answers. The environment comes in as a
// struct so the choice is testable.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_api.h"

namespace kmg::engine {

struct EngineEnv {
  std::optional<std::string> docker_host;      // $DOCKER_HOST
  std::optional<std::string> container_host;   // $CONTAINER_HOST
  std::optional<std::string> xdg_runtime_dir;  // $XDG_RUNTIME_DIR
  std::optional<std::string> kind_provider;    // $KIND_EXPERIMENTAL_PROVIDER
  std::string path;                            // $PATH, for the CLIs
};

// Reads the variables above from the process environment (call it once, in main).
EngineEnv engine_env_from_process();

struct EngineCandidate {
  enum class Kind { socket, cli };
  Kind kind = Kind::socket;
  std::string provider;   // docker, podman, nerdctl (a hint for sockets until /_ping answers)
  std::string endpoint;   // socket path or CLI binary name
  std::string origin;     // "DOCKER_HOST", "default docker socket", "PATH", ...
  bool fallback = false;  // a CLI asked only when no socket of that provider answered
};

struct EnginePlan {
  std::string provider;                     // the effective choice: auto, docker, podman, nerdctl
  std::vector<EngineCandidate> candidates;  // in the order to ask
  std::vector<std::string> notes;           // "KIND_EXPERIMENTAL_PROVIDER=finch ignored: ..."
};

// Pure: which engines to ask for `provider_option` (auto|docker|podman|nerdctl).
// An explicit option wins over KIND_EXPERIMENTAL_PROVIDER, which wins over auto.
// Throws kmg::Error for an unknown provider_option.
EnginePlan plan_engines(const EngineEnv& env, const std::string& provider_option);

struct EngineAttempt {
  std::string provider;
  std::string endpoint;
  std::string error;  // empty: it answered
};

struct SelectedEngines {
  std::vector<std::shared_ptr<EngineApi>> engines;
  std::vector<EngineAttempt> attempts;  // every engine asked, in order
  std::vector<std::string> failures;    // "asked podman at /run/podman/podman.sock: ..."
  std::vector<std::string> notes;
};

struct SelectOptions {
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
};

// Asks every candidate of the plan (GET /_ping for sockets, `<cli> version` for CLIs) and keeps
// those that answer. Two sockets leading to the same file are asked once. Never throws for an
// engine that fails; that is a failure line.
SelectedEngines select_engines(const EngineEnv& env, const std::string& provider_option,
                               const SelectOptions& options = {});

// "unix:///run/x.sock" -> "/run/x.sock"; empty for other schemes (tcp://, ssh://).
std::string unix_socket_path(const std::string& host);

}  // namespace kmg::engine
