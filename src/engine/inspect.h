// Reading the parts of Docker-shaped JSON (list items, inspect documents) that kind relies on.
// Pure functions over nlohmann::json so both engines and discovery share one interpretation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine_api.h"

namespace kmg::engine {

// One item of GET /containers/json (Docker and the podman compat API).
Container container_from_list_item(const nlohmann::json& item);

// Where `container_port` ("6443/tcp") is published according to an inspect document:
// NetworkSettings.Ports first (actual bindings), then HostConfig.PortBindings (requested ones,
// the only ones a never-started or stopped container may have). Bindings without a host port
// are skipped. Empty when the port is not published.
std::vector<PortBinding> published_ports(const nlohmann::json& inspect,
                                         const std::string& container_port);

// Config.Tty of an inspect document (false when absent).
bool inspect_tty(const nlohmann::json& inspect);

// State.Status of an inspect document ("running", "exited", ...), "" when absent.
std::string inspect_state(const nlohmann::json& inspect);

}  // namespace kmg::engine
