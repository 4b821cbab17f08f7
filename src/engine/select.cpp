#include "engine/select.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "engine/cli_engine.h"
#include "engine/socket_engine.h"
#include "util/errors.h"
#include "util/process.h"

namespace kmg::engine {

namespace {

std::optional<std::string> getenv_opt(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

EngineCandidate socket_candidate(std::string provider, std::string path, std::string origin) {
  return {EngineCandidate::Kind::socket, std::move(provider), std::move(path), std::move(origin),
          false};
}

EngineCandidate cli_candidate(std::string provider, std::string binary, bool fallback) {
  return {EngineCandidate::Kind::cli, std::move(provider), std::move(binary), "PATH", fallback};
}

bool wants(const std::string& chosen, const std::string& provider) {
  return chosen == "auto" || chosen == provider;
}

std::string same_file_key(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}

}  // namespace

EngineEnv engine_env_from_process() {
  EngineEnv env;
  env.docker_host = getenv_opt("DOCKER_HOST");
  env.container_host = getenv_opt("CONTAINER_HOST");
  env.xdg_runtime_dir = getenv_opt("XDG_RUNTIME_DIR");
  env.kind_provider = getenv_opt("KIND_EXPERIMENTAL_PROVIDER");
  env.path = getenv_opt("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  return env;
}

std::string unix_socket_path(const std::string& host) {
  const std::string prefix = "unix://";
  if (host.rfind(prefix, 0) != 0) return "";
  return host.substr(prefix.size());
}

EnginePlan plan_engines(const EngineEnv& env, const std::string& provider_option) {
  static const std::set<std::string> options{"auto", "docker", "podman", "nerdctl"};
  if (options.count(provider_option) == 0)
    throw Error("--provider " + provider_option + ": expected auto, docker, podman or nerdctl");
  EnginePlan plan;
  plan.provider = provider_option;
  // nerdctl-compatible CLIs kind accepts; they are asked as CLIs under their own binary name.
  std::string nerdctl_binary = "nerdctl";
  if (provider_option == "auto" && env.kind_provider) {
    const std::string& kp = *env.kind_provider;
    if (kp == "docker" || kp == "podman" || kp == "nerdctl") {
      plan.provider = kp;
    } else if (kp == "finch" || kp == "nerdctl.lima") {
      plan.provider = "nerdctl";
      nerdctl_binary = kp;
    } else {
      plan.notes.push_back("KIND_EXPERIMENTAL_PROVIDER=" + kp +
                           " ignored (kind accepts docker, podman, nerdctl, finch, nerdctl.lima)");
    }
    if (plan.provider != "auto")
      plan.notes.push_back("provider " + plan.provider + " from KIND_EXPERIMENTAL_PROVIDER");
  }
  const std::string& chosen = plan.provider;
  bool docker_cli_primary = false;

  if (env.docker_host && chosen != "nerdctl") {
    const std::string path = unix_socket_path(*env.docker_host);
    if (!path.empty()) {
      // Docker tools are commonly pointed at podman this way; /_ping tells which it is.
      const std::string hint = path.find("podman") != std::string::npos ? "podman" : "docker";
      if (chosen == "auto" || chosen == "docker" || chosen == hint)
        plan.candidates.push_back(socket_candidate(hint, path, "DOCKER_HOST"));
    } else if (wants(chosen, "docker")) {
      plan.notes.push_back("DOCKER_HOST=" + *env.docker_host +
                           " is not a unix:// socket; asking the docker CLI instead");
      docker_cli_primary = true;
    }
  }
  if (env.container_host && wants(chosen, "podman")) {
    const std::string path = unix_socket_path(*env.container_host);
    if (!path.empty()) {
      plan.candidates.push_back(socket_candidate("podman", path, "CONTAINER_HOST"));
    } else {
      plan.notes.push_back("CONTAINER_HOST=" + *env.container_host +
                           " is not a unix:// socket; asking the podman CLI instead");
    }
  }
  if (wants(chosen, "docker")) {
    plan.candidates.push_back(
        socket_candidate("docker", "/var/run/docker.sock", "default docker socket"));
    if (env.xdg_runtime_dir)
      plan.candidates.push_back(socket_candidate("docker", *env.xdg_runtime_dir + "/docker.sock",
                                                 "rootless docker socket"));
  }
  if (wants(chosen, "podman")) {
    if (env.xdg_runtime_dir)
      plan.candidates.push_back(socket_candidate(
          "podman", *env.xdg_runtime_dir + "/podman/podman.sock", "rootless podman socket"));
    plan.candidates.push_back(
        socket_candidate("podman", "/run/podman/podman.sock", "rootful podman socket"));
  }
  if (wants(chosen, "docker") && !find_in_path("docker", env.path).empty())
    plan.candidates.push_back(cli_candidate("docker", "docker", !docker_cli_primary));
  if (wants(chosen, "podman") && !find_in_path("podman", env.path).empty())
    plan.candidates.push_back(cli_candidate("podman", "podman", true));
  if (wants(chosen, "nerdctl")) {
    if (!find_in_path(nerdctl_binary, env.path).empty()) {
      plan.candidates.push_back(cli_candidate("nerdctl", nerdctl_binary, false));
    } else if (chosen == "nerdctl") {
      plan.notes.push_back(nerdctl_binary + " not found in PATH");
    }
  }
  return plan;
}

SelectedEngines select_engines(const EngineEnv& env, const std::string& provider_option,
                               const SelectOptions& options) {
  SelectedEngines out;
  const EnginePlan plan = plan_engines(env, provider_option);
  out.notes = plan.notes;
  std::set<std::string> sockets_seen;
  std::set<std::string> providers_answered;  // by a socket

  for (const auto& c : plan.candidates) {
    if (c.kind == EngineCandidate::Kind::socket) {
      if (!sockets_seen.insert(same_file_key(c.endpoint)).second) continue;
      std::error_code ec;
      if (!std::filesystem::exists(c.endpoint, ec)) {
        // Default locations that do not exist are normal; a configured one is worth a line.
        const std::string why = "no such socket";
        out.attempts.push_back({c.provider, c.endpoint, why});
        if (c.origin == "DOCKER_HOST" || c.origin == "CONTAINER_HOST")
          out.failures.push_back("asked " + c.provider + " at " + c.endpoint + " (" + c.origin +
                                 "): " + why);
        continue;
      }
      SocketEngineOptions so;
      so.request_timeout = options.request_timeout;
      auto engine = std::make_shared<SocketEngine>(c.endpoint, c.provider, so);
      if (const Outcome pinged = engine->try_ping(); pinged.ok()) {
        out.attempts.push_back({engine->provider(), c.endpoint, ""});
        providers_answered.insert(engine->provider());
        out.engines.push_back(engine);
      } else {
        out.attempts.push_back({c.provider, c.endpoint, pinged.error});
        out.failures.push_back("asked " + pinged.error);
      }
      continue;
    }
    if (c.fallback && providers_answered.count(c.provider) > 0) continue;
    CliEngineOptions co;
    co.command_timeout = options.request_timeout;
    // The plan's PATH, not the process's, decides which binary runs.
    const std::string binary = find_in_path(c.endpoint, env.path);
    auto engine = std::make_shared<CliEngine>(c.provider, binary.empty() ? c.endpoint : binary, co);
    if (const Outcome available = engine->check_available(); available.ok()) {
      out.attempts.push_back({c.provider, engine->endpoint(), ""});
      out.engines.push_back(engine);
    } else {
      out.attempts.push_back({c.provider, engine->endpoint(), available.error});
      out.failures.push_back("asked " + available.error);
    }
  }
  return out;
}

}  // namespace kmg::engine
