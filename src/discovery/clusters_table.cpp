#include "discovery/clusters_table.h"

#include <algorithm>

#include "engine/engine_api.h"
#include "util/text.h"

namespace kmg::discovery {

namespace {

std::string nodes_text(const ClusterTarget& t) {
  std::vector<std::string> parts;
  for (const auto& n : t.nodes) parts.push_back(n.name + "(" + n.role + "," + n.state + ")");
  return parts.empty() ? "-" : join(parts, " ");
}

std::string reach_text(const std::vector<Reachability>& probes, std::size_t i) {
  if (i >= probes.size()) return "not probed";
  const auto& p = probes[i];
  if (p.ok) return p.git_version.empty() ? "yes" : p.git_version;
  return p.error.empty() ? "unreachable" : p.error;
}

}  // namespace

Reachability probe_version(kube::KubeApi& api) {
  Reachability r;
  try {
    const kube::Response response = api.get("/version");
    if (!response.ok()) {
      r.error = response.describe();
      return r;
    }
    const auto j = nlohmann::json::parse(response.body);
    r.git_version = j.value("gitVersion", "");
    r.ok = true;
  } catch (const std::exception& e) {
    r.error = std::string("GET /version: ") + e.what();
  }
  return r;
}

std::string render_clusters_table(const DiscoveryResult& result,
                                  const std::vector<Reachability>& probes) {
  const std::vector<std::string> header{"NAME",     "PROVIDER",   "NODES",
                                        "ENDPOINT", "KUBECONFIG", "REACHABLE"};
  std::vector<std::vector<std::string>> rows{header};
  for (std::size_t i = 0; i < result.targets.size(); ++i) {
    const auto& t = result.targets[i];
    rows.push_back({t.name, t.provider, nodes_text(t), t.rest ? t.rest->server : "-",
                    t.kubeconfig_source.empty() ? "-" : t.kubeconfig_source,
                    to_valid_utf8(reach_text(probes, i))});
  }
  std::vector<std::size_t> width(header.size(), 0);
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out += std::string(trim(line)) + "\n";
  }
  if (result.targets.empty()) out += "(no clusters)\n";
  for (const auto& t : result.targets)
    for (const auto& p : t.problems) out += t.name + " (" + t.provider + "): " + p + "\n";
  for (const auto& e : result.engines)
    if (!e.error.empty()) out += "engine " + e.error + "\n";
  for (const auto& n : result.notes) out += "note: " + n + "\n";
  return out;
}

nlohmann::json clusters_json(const DiscoveryResult& result,
                             const std::vector<Reachability>& probes) {
  nlohmann::json clusters = nlohmann::json::array();
  for (std::size_t i = 0; i < result.targets.size(); ++i) {
    const auto& t = result.targets[i];
    nlohmann::json nodes = nlohmann::json::array();
    for (const auto& n : t.nodes)
      nodes.push_back({{"name", n.name}, {"role", n.role}, {"state", n.state}, {"image", n.image}});
    nlohmann::json reach = nullptr;
    if (i < probes.size()) {
      reach = {{"ok", probes[i].ok}};
      if (probes[i].ok)
        reach["gitVersion"] = probes[i].git_version;
      else
        reach["error"] = to_valid_utf8(probes[i].error);
    }
    clusters.push_back({{"name", t.name},
                        {"provider", t.provider},
                        {"engine", t.engine ? t.engine->endpoint() : ""},
                        {"nodes", nodes},
                        {"server", t.rest ? t.rest->server : ""},
                        {"kubeconfigSource", t.kubeconfig_source},
                        {"problems", t.problems},
                        {"reachable", reach}});
  }
  nlohmann::json engines = nlohmann::json::array();
  for (const auto& e : result.engines)
    engines.push_back({{"provider", e.provider},
                       {"endpoint", e.endpoint},
                       {"containers", e.containers},
                       {"error", e.error}});
  return {{"clusters", clusters}, {"engines", engines}, {"notes", result.notes}};
}

}  // namespace kmg::discovery
