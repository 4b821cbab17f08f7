#include "discovery/discover.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "engine/engine_api.h"
#include "engine/inspect.h"
#include "util/errors.h"
#include "util/text.h"

namespace kmg::discovery {

namespace {

namespace fs = std::filesystem;
using engine::Container;
using engine::EngineApi;

constexpr std::size_t kAdminConfCap = 4u << 20;
constexpr std::uintmax_t kKubeconfigFileCap = 4u << 20;
constexpr const char* kApiPort = "6443/tcp";
// Docker Desktop publishes through its own proxy and records the address in this label.
constexpr const char* kDesktopPortLabel = "desktop.docker.io/ports/6443/tcp";

constexpr const char* kAdminConf = "/etc/kubernetes/admin.conf";

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

std::string node_ref(const Container& node) { return node.id.empty() ? node.name : node.id; }

std::string label_or(const Container& c, const char* key) {
  const auto it = c.labels.find(key);
  return it == c.labels.end() ? "" : it->second;
}

std::string context_name(const std::string& cluster) { return "kind-" + cluster; }

// The publishing of 6443/tcp on `node`: Docker Desktop's label, the inspect document (actual,
// then requested bindings), then the list entry. Empty with a reason in `why` when none.
std::string api_server_url(EngineApi& engine, const Container& node, std::string& why) {
  if (const auto it = node.labels.find(kDesktopPortLabel); it != node.labels.end()) {
    const auto colon = it->second.rfind(':');
    if (colon != std::string::npos)
      return server_url(it->second.substr(0, colon), it->second.substr(colon + 1));
  }
  std::vector<engine::PortBinding> bindings;
  std::string inspect_error;
  const engine::InspectResult inspected = engine.inspect(node_ref(node));
  if (inspected.ok()) {
    const auto doc = nlohmann::json::parse(inspected.json, nullptr, false);
    if (doc.is_discarded()) {
      inspect_error = "inspect of " + node.name + ": invalid JSON";
    } else {
      bindings = engine::published_ports(doc, kApiPort);
    }
  } else {
    inspect_error = inspected.error;
  }
  if (bindings.empty()) {
    for (const auto& p : node.ports)
      if (p.container_port == kApiPort) bindings.push_back(p);
  }
  if (bindings.empty()) {
    why = "node " + node.name + " has no host port published for " + kApiPort +
          (inspect_error.empty() ? "" : " (" + inspect_error + ")");
    return "";
  }
  // Prefer an IPv4 binding, as kind does by taking the first one docker lists.
  return server_url(bindings.front().host_ip, bindings.front().host_port);
}

// The tar of admin.conf from the node (the archive endpoint works on stopped containers too);
// "" with `error` set when the engine could not give it.
std::string admin_conf_tar(EngineApi& engine, const Container& node, std::string& error) {
  std::string tar;
  bool too_big = false;
  const engine::StreamResult got = engine.archive(node_ref(node), kAdminConf,
                                                  [&](std::string_view chunk) {
                                                    if (tar.size() + chunk.size() > kAdminConfCap) {
                                                      too_big = true;
                                                      return false;
                                                    }
                                                    tar.append(chunk);
                                                    return true;
                                                  },
                                                  {});
  if (too_big) {
    error = "admin.conf of " + node.name + ": archive larger than 4 MiB";
  } else if (!got.ok()) {
    error = got.error;
  }
  return error.empty() ? tar : "";
}

// The name a kubeconfig context points to ("cluster:" of the context entry).
std::string context_cluster(const kube::Kubeconfig::Entry& entry) {
  try {
    YAML::Node node = YAML::Load(entry.yaml);
    if (node["context"]) node = node["context"];
    if (node["cluster"]) return node["cluster"].as<std::string>();
  } catch (const YAML::Exception&) {
    return "";
  }
  return "";
}

// The context of `config` that belongs to Kind cluster `name`: kind-<name> or <name> as a
// context, else a context whose cluster is called that way. Empty when none.
std::string matching_context(const kube::Kubeconfig& config, const std::string& name) {
  for (const auto& candidate : {context_name(name), name})
    if (config.contexts.count(candidate) > 0) return candidate;
  for (const auto& candidate : {context_name(name), name}) {
    if (config.clusters.count(candidate) == 0) continue;
    for (const auto& [ctx, entry] : config.contexts)
      if (context_cluster(entry) == candidate) return ctx;
  }
  return "";
}

std::string display_path(const std::string& path, const std::string& home) {
  if (!home.empty() && path.rfind(home + "/", 0) == 0) return "~" + path.substr(home.size());
  return path;
}

// Files under ~/.kube that may be kubeconfigs (not the discovery/http caches), sorted.
std::vector<std::string> kube_dir_files(const std::string& home) {
  std::vector<std::string> out;
  if (home.empty()) return out;
  const fs::path root = fs::path(home) / ".kube";
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    if (it->is_directory(ec)) {
      if (name == "cache" || name == "http-cache") it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || name.ends_with(".lock")) continue;
    if (it->file_size(ec) > kKubeconfigFileCap) continue;
    out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Found {
  kube::RestConfig rest;
  std::string source;
};

// Fallback 1: kind-<name> in KUBECONFIG / ~/.kube/config (where kind writes it).
// Fallback 2: any file under ~/.kube holding a context or cluster for that name.
std::optional<Found> kubeconfig_fallback(const std::string& name, const kube::KubeconfigEnv& env,
                                         std::vector<std::string>& problems) {
  const auto defaults = kube::default_kubeconfig_paths(env);
  try {
    const auto config = kube::load_kubeconfig(defaults, true);
    if (config.contexts.count(context_name(name)) > 0) {
      auto rest = kube::resolve_context(config, context_name(name));
      const std::string file = config.contexts.at(context_name(name)).file;
      if (rest.has_credentials()) return Found{rest, display_path(file, env.home)};
      problems.push_back("context " + context_name(name) + " in " + display_path(file, env.home) +
                         " has no credentials");
    }
  } catch (const Error& e) {
    problems.push_back(e.what());
  }
  const std::set<std::string> tried(defaults.begin(), defaults.end());
  for (const auto& file : kube_dir_files(env.home)) {
    if (tried.count(file) > 0) continue;
    kube::Kubeconfig config;
    try {
      config = kube::load_kubeconfig({file}, false);
    } catch (const Error&) {
      continue;  // not every file under ~/.kube is a kubeconfig
    } catch (const std::exception&) {
      continue;
    }
    const std::string ctx = matching_context(config, name);
    if (ctx.empty()) continue;
    try {
      auto rest = kube::resolve_context(config, ctx);
      if (rest.has_credentials()) return Found{rest, display_path(file, env.home)};
      problems.push_back("context " + ctx + " in " + display_path(file, env.home) +
                         " has no credentials");
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  return std::nullopt;
}

// admin.conf renamed as `kind get kubeconfig` does, its server pointed at the published port.
// Nothing, with `error` set, when it cannot serve.
std::optional<kube::RestConfig> admin_rest_config(const std::string& name, const std::string& tar,
                                                  const Container& control_plane,
                                                  const std::string& server, std::string& error) {
  const std::string origin = "admin.conf of " + control_plane.name;
  kube::RestConfig rest;
  try {
    // The tar and the kubeconfig parsers report bad input by throwing kmg::Error.
    rest = kube::resolve_context(kube::parse_kubeconfig(first_file_in_tar(tar), origin));
  } catch (const Error& e) {
    error = e.what();
    return std::nullopt;
  }
  rest.context = context_name(name);
  rest.cluster = context_name(name);
  rest.source = origin;
  if (!server.empty()) rest.server = server;
  if (!rest.has_credentials()) {
    error = origin + " has no credentials";
  } else if (server.empty()) {
    error = origin + " read, but its server " + rest.server +
            " is only reachable inside the node network";
  } else {
    return rest;
  }
  return std::nullopt;
}

ClusterTarget kind_target(const std::string& name, const std::shared_ptr<EngineApi>& engine,
                          std::vector<Container> containers, const kube::KubeconfigEnv& env) {
  ClusterTarget t;
  t.name = name;
  t.provider = engine->provider();
  t.engine = engine;
  std::sort(containers.begin(), containers.end(),
            [](const Container& a, const Container& b) { return a.name < b.name; });
  const Container* control_plane = nullptr;
  const Container* load_balancer = nullptr;
  for (const auto& c : containers) {
    const std::string role = label_or(c, kRoleLabel);
    t.nodes.push_back({c.name, role, c.state, c.image, c.id});
    if (role == "control-plane" && control_plane == nullptr) control_plane = &c;
    if (role == "external-load-balancer" && load_balancer == nullptr) load_balancer = &c;
    if (c.state != "running")
      t.problems.push_back(role + " node " + c.name + " is " +
                           (c.state.empty() ? "not running" : c.state));
  }
  if (control_plane == nullptr) {
    t.problems.push_back("no control-plane node (label " + std::string(kRoleLabel) +
                         "=control-plane)");
  }

  // The API endpoint: the load balancer's for HA clusters, else the control plane's.
  std::string server;
  if (const Container* front = load_balancer != nullptr ? load_balancer : control_plane) {
    std::string why;
    server = api_server_url(*engine, *front, why);
    if (server.empty()) t.problems.push_back(why);
  }

  std::string admin_error;
  if (control_plane != nullptr) {
    const std::string tar = admin_conf_tar(*engine, *control_plane, admin_error);
    if (admin_error.empty())
      t.rest = admin_rest_config(name, tar, *control_plane, server, admin_error);
    if (t.rest)
      t.kubeconfig_source = "admin.conf from " + control_plane->name + " (" + t.provider + ")";
  }
  if (t.rest) return t;
  if (!admin_error.empty()) t.problems.push_back(admin_error);

  if (auto found = kubeconfig_fallback(name, env, t.problems)) {
    if (!server.empty() && found->rest.server != server)
      t.problems.push_back("kubeconfig " + found->source + " points at " + found->rest.server +
                           " but the node publishes " + server);
    t.rest = found->rest;
    t.kubeconfig_source = found->source;
  } else {
    t.problems.push_back("no kubeconfig for cluster " + name +
                         " (admin.conf unreadable, no context " + context_name(name) +
                         " in the kubeconfig files)");
  }
  return t;
}

void add_context_target(const kube::Kubeconfig& config, const std::string& ctx,
                        const std::string& files, const DiscoveryOptions& options,
                        DiscoveryResult& result) {
  ClusterTarget t;
  t.name = ctx;
  t.provider = "kubeconfig";
  try {
    if (config.contexts.count(ctx) == 0)
      throw Error("kubeconfig " + files + ": context \"" + ctx + "\" not found");
    const std::string file = config.contexts.at(ctx).file;
    t.kubeconfig_source = display_path(file, options.kube_env.home);
    auto rest = kube::resolve_context(config, ctx);
    if (!rest.has_credentials()) t.problems.push_back("context " + ctx + " has no credentials");
    // The same API server as a Kind cluster already found: gather it once. (Two contexts of one
    // server with different credentials are two views, and both are gathered.)
    const auto same =
        std::find_if(result.targets.begin(), result.targets.end(), [&](const ClusterTarget& k) {
          return k.engine != nullptr && k.rest && k.rest->server == rest.server;
        });
    if (same != result.targets.end()) {
      result.notes.push_back("context " + ctx + " is Kind cluster " + same->name +
                             " (same server " + rest.server + "); gathered once");
      return;
    }
    t.rest = rest;
  } catch (const Error& e) {
    t.problems.push_back(e.what());
  }
  // Two files may both call their context "kind-kind": the second gets the file's name.
  const auto taken = [&](const std::string& name) {
    return std::any_of(result.targets.begin(), result.targets.end(),
                       [&](const ClusterTarget& k) { return k.name == name; });
  };
  if (taken(t.name)) t.name += "@" + std::filesystem::path(files).filename().string();
  result.targets.push_back(std::move(t));
}

// Without --context, every --kubeconfig file is read alone and gives its own current context (a
// broken file costs only its own cluster and names itself). --context names are looked up in
// the files merged, first wins, as kubectl does.
void add_context_targets(const DiscoveryOptions& options, DiscoveryResult& result) {
  if (options.kubeconfigs.empty() && options.contexts.empty()) return;
  if (options.contexts.empty()) {
    for (const auto& file : options.kubeconfigs) {
      kube::Kubeconfig config;
      try {
        config = kube::load_kubeconfig({file}, false);
      } catch (const Error& e) {
        result.errors.push_back(e.what());
        continue;
      }
      if (config.current_context.empty()) {
        result.errors.push_back("kubeconfig " + file +
                                " has no current-context; name one with --context");
        continue;
      }
      add_context_target(config, config.current_context, file, options, result);
    }
    return;
  }
  const bool explicit_files = !options.kubeconfigs.empty();
  const auto files =
      explicit_files ? options.kubeconfigs : kube::default_kubeconfig_paths(options.kube_env);
  kube::Kubeconfig config;
  try {
    config = kube::load_kubeconfig(files, !explicit_files);
  } catch (const Error& e) {
    result.errors.push_back(e.what());
    return;
  }
  for (const auto& ctx : options.contexts)
    add_context_target(config, ctx, join(files, ":"), options, result);
}

}  // namespace

std::string first_file_in_tar(const std::string& tar_bytes) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  if (!a) throw Error("archive_read_new failed");
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar_bytes.data(), tar_bytes.size()) != ARCHIVE_OK)
    throw Error(std::string("not a tar stream: ") + archive_error_string(a.get()));
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) {
      const char* msg = archive_error_string(a.get());
      throw Error(std::string("not a tar stream: ") + (msg != nullptr ? msg : "unreadable"));
    }
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string data;
    char buffer[16384];
    for (;;) {
      const la_ssize_t n = archive_read_data(a.get(), buffer, sizeof(buffer));
      if (n < 0) throw Error(std::string("tar entry unreadable: ") + archive_error_string(a.get()));
      if (n == 0) break;
      data.append(buffer, static_cast<std::size_t>(n));
    }
    return data;
  }
  throw Error("tar stream holds no file");
}

std::string server_url(const std::string& host_ip, const std::string& host_port) {
  std::string ip = host_ip;
  if (ip.empty() || ip == "0.0.0.0") ip = "127.0.0.1";
  if (ip == "::") ip = "::1";
  if (ip.find(':') != std::string::npos && ip.front() != '[') ip = "[" + ip + "]";
  return "https://" + ip + ":" + host_port;
}

namespace {

// Engine container ids are 64 hex digits (CLIs print the first 12) and unique across engines, so
// they tell one container reached two ways; anything else identifies nothing.
std::string engine_id_key(const std::string& id) {
  if (id.size() != 12 && id.size() != 64) return "";
  for (const char ch : id) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return "";
  }
  return id.substr(0, 12);
}

}  // namespace

DiscoveryResult discover(const DiscoveryOptions& options) {
  DiscoveryResult result;
  if (!options.no_kind) {
    // name -> containers, per engine: the same name on two engines is two clusters.
    std::vector<std::tuple<std::string, std::shared_ptr<EngineApi>, std::vector<Container>>> found;
    // Two ways into one engine (its socket and its CLI, or DOCKER_HOST pointing at podman) list
    // the same containers: a container id seen once is not a second cluster.
    std::set<std::string> seen_ids;
    for (const auto& engine : options.engines) {
      if (!engine) continue;
      EngineReport report{engine->provider(), engine->endpoint(), "", 0};
      std::map<std::string, std::vector<Container>> by_name;
      engine::ListResult listed = engine->list_containers(kClusterLabel);
      report.error = listed.error;
      for (auto& c : listed.containers) {
        if (const auto key = engine_id_key(c.id); !key.empty() && !seen_ids.insert(key).second)
          continue;
        const std::string name = label_or(c, kClusterLabel);
        if (name.empty()) continue;
        ++report.containers;
        by_name[name].push_back(std::move(c));
      }
      report.provider = engine->provider();  // a socket engine learns its provider on first use
      result.engines.push_back(report);
      for (auto& [name, containers] : by_name)
        found.emplace_back(name, engine, std::move(containers));
    }
    std::set<std::string> names;
    for (const auto& f : found) names.insert(std::get<0>(f));
    for (const auto& wanted : options.clusters)
      if (names.count(wanted) == 0)
        result.notes.push_back("--cluster " + wanted + ": no Kind cluster with that name");
    for (auto& [name, engine, containers] : found) {
      if (!options.clusters.empty() && std::find(options.clusters.begin(), options.clusters.end(),
                                                 name) == options.clusters.end())
        continue;
      result.targets.push_back(kind_target(name, engine, std::move(containers), options.kube_env));
    }
    std::stable_sort(result.targets.begin(), result.targets.end(),
                     [](const ClusterTarget& a, const ClusterTarget& b) {
                       return std::tie(a.name, a.provider) < std::tie(b.name, b.provider);
                     });
    if (options.engines.empty())
      result.notes.push_back("no container engine answered; Kind clusters cannot be listed");
    else if (found.empty())
      result.notes.push_back("no Kind clusters found");
  }
  add_context_targets(options, result);
  return result;
}

}  // namespace kmg::discovery
