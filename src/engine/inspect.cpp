#include "engine/inspect.h"

namespace kmg::engine {
namespace {

std::string string_or_number(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return "";
}

std::vector<PortBinding> bindings_in(const nlohmann::json& map, const std::string& key) {
  std::vector<PortBinding> out;
  if (!map.is_object()) return out;
  const auto it = map.find(key);
  if (it == map.end() || !it->is_array()) return out;  // null: exposed but not published
  for (const auto& b : *it) {
    if (!b.is_object()) continue;
    PortBinding pb;
    pb.container_port = key;
    pb.host_ip = string_or_number(b.value("HostIp", nlohmann::json()));
    pb.host_port = string_or_number(b.value("HostPort", nlohmann::json()));
    if (!pb.host_port.empty() && pb.host_port != "0") out.push_back(pb);
  }
  return out;
}

}  // namespace

Container container_from_list_item(const nlohmann::json& item) {
  Container c;
  c.id = item.value("Id", "");
  if (const auto names = item.find("Names");
      names != item.end() && names->is_array() && !names->empty() && (*names)[0].is_string()) {
    c.name = (*names)[0].get<std::string>();
    if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  }
  c.image = item.value("Image", "");
  c.state = item.value("State", "");
  c.status = item.value("Status", "");
  if (const auto labels = item.find("Labels"); labels != item.end() && labels->is_object()) {
    for (const auto& [k, v] : labels->items())
      if (v.is_string()) c.labels[k] = v.get<std::string>();
  }
  if (const auto ports = item.find("Ports"); ports != item.end() && ports->is_array()) {
    for (const auto& p : *ports) {
      if (!p.is_object() || !p.contains("PublicPort")) continue;
      PortBinding pb;
      pb.container_port =
          string_or_number(p.value("PrivatePort", nlohmann::json())) + "/" + p.value("Type", "tcp");
      pb.host_ip = p.value("IP", "");
      pb.host_port = string_or_number(p["PublicPort"]);
      if (!pb.host_port.empty() && pb.host_port != "0") c.ports.push_back(pb);
    }
  }
  return c;
}

std::vector<PortBinding> published_ports(const nlohmann::json& inspect,
                                         const std::string& container_port) {
  if (!inspect.is_object()) return {};
  if (const auto ns = inspect.find("NetworkSettings"); ns != inspect.end() && ns->is_object()) {
    auto actual = bindings_in(ns->value("Ports", nlohmann::json()), container_port);
    if (!actual.empty()) return actual;
  }
  if (const auto hc = inspect.find("HostConfig"); hc != inspect.end() && hc->is_object())
    return bindings_in(hc->value("PortBindings", nlohmann::json()), container_port);
  return {};
}

bool inspect_tty(const nlohmann::json& inspect) {
  if (!inspect.is_object()) return false;
  const auto config = inspect.find("Config");
  if (config == inspect.end() || !config->is_object()) return false;
  const auto tty = config->find("Tty");
  return tty != config->end() && tty->is_boolean() && tty->get<bool>();
}

std::string inspect_state(const nlohmann::json& inspect) {
  if (!inspect.is_object()) return "";
  const auto state = inspect.find("State");
  if (state == inspect.end()) return "";
  if (state->is_string()) return state->get<std::string>();  // podman CLI older shapes
  if (state->is_object()) return state->value("Status", "");
  return "";
}

}  // namespace kmg::engine
