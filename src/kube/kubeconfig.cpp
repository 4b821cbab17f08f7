#include "kube/kubeconfig.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "util/errors.h"
#include "util/process.h"
#include "util/text.h"

namespace kmg::kube {

namespace {

namespace fs = std::filesystem;

// An ExecCredential is a few KiB; more is a plugin printing something else.
constexpr std::size_t kMaxPluginOutput = 4u << 20;

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw Error("kubeconfig " + file + ": " + what);
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

// `users["admin"]`: how every message names an entry.
std::string entry_label(const char* section, const std::string& name) {
  return std::string(section) + "[" + in_quotes(name) + "]";
}

std::string where(const Kubeconfig& config) {
  if (config.files.empty()) return "(no kubeconfig file)";
  return join(config.files, ", ");
}

std::string read_whole_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return {};
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) error = "read error";
  return buf.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail(origin, "invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                     std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    fail(origin, std::string("invalid YAML: ") + e.what());
  }
}

// A scalar field of a map, "" when absent or null.
std::string string_field(const YAML::Node& map, const char* key, const std::string& file,
                         const std::string& label) {
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) return {};
  if (!n.IsScalar()) fail(file, label + "." + key + ": expected a string");
  return n.Scalar();
}

bool bool_field(const YAML::Node& map, const char* key, const std::string& file,
                const std::string& label) {
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) return false;
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    fail(file, label + "." + key + ": expected true or false");
  }
}

// Adds each named entry of `section` ("clusters", body under `inner` = "cluster") that is not
// there yet: the first file to define a name wins, as in kubectl.
void merge_section(const YAML::Node& root, const char* section, const char* inner,
                   const std::string& file, std::map<std::string, Kubeconfig::Entry>& out) {
  const YAML::Node list = root[section];
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) fail(file, std::string(section) + ": expected a list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string index_label = std::string(section) + "[" + std::to_string(i) + "]";
    if (!item.IsMap()) fail(file, index_label + ": expected a map with name and " + inner);
    const std::string name = string_field(item, "name", file, index_label);
    if (name.empty()) fail(file, index_label + ".name: missing");
    const YAML::Node body = item[inner];
    if (body && !body.IsNull() && !body.IsMap()) {
      fail(file, entry_label(section, name) + "." + inner + ": expected a map");
    }
    std::string text = (body && body.IsMap()) ? YAML::Dump(body) : std::string("{}");
    out.emplace(name, Kubeconfig::Entry{file, std::move(text)});
  }
}

void merge_document(const std::string& text, const std::string& origin, Kubeconfig& config) {
  const YAML::Node root = parse_yaml(text, origin);
  config.files.push_back(origin);
  if (!root || root.IsNull()) return;  // an empty file is a valid, empty kubeconfig
  if (!root.IsMap()) fail(origin, "not a kubeconfig: the top level is not a map");
  merge_section(root, "clusters", "cluster", origin, config.clusters);
  merge_section(root, "users", "user", origin, config.users);
  merge_section(root, "contexts", "context", origin, config.contexts);
  if (config.current_context.empty()) {
    config.current_context = string_field(root, "current-context", origin, "");
  }
}

// Relative paths in a kubeconfig are relative to the folder of the file that holds them.
std::string resolve_path(const std::string& path, const std::string& kubeconfig_file) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(kubeconfig_file).parent_path() / path).lexically_normal().string();
}

// A "-data" field (base64) wins over its file twin, as in client-go.
std::string data_or_file(const YAML::Node& map, const char* data_key, const char* file_key,
                         const std::string& file, const std::string& label) {
  const std::string data = string_field(map, data_key, file, label);
  if (!data.empty()) {
    try {
      return base64_decode(data);
    } catch (const Error&) {
      fail(file, label + "." + data_key + ": invalid base64");
    }
  }
  const std::string path = string_field(map, file_key, file, label);
  if (path.empty()) return {};
  const std::string full = resolve_path(path, file);
  std::string error;
  std::string content = read_whole_file(full, error);
  if (!error.empty()) fail(file, label + "." + file_key + ": cannot read " + full + ": " + error);
  return content;
}

struct ContextRefs {
  std::string cluster;
  std::string user;
};

ContextRefs read_context(const Kubeconfig& config, const std::string& name) {
  auto it = config.contexts.find(name);
  if (it == config.contexts.end()) fail(where(config), "context " + in_quotes(name) + " not found");
  const auto& entry = it->second;
  const std::string label = entry_label("contexts", name);
  const YAML::Node body = YAML::Load(entry.yaml);
  ContextRefs refs{string_field(body, "cluster", entry.file, label),
                   string_field(body, "user", entry.file, label)};
  if (refs.cluster.empty()) fail(entry.file, label + ".cluster: missing");
  if (config.clusters.count(refs.cluster) == 0) {
    fail(entry.file, label + ".cluster: cluster " + in_quotes(refs.cluster) + " not found");
  }
  if (!refs.user.empty() && config.users.count(refs.user) == 0) {
    fail(entry.file, label + ".user: user " + in_quotes(refs.user) + " not found");
  }
  return refs;
}

void apply_cluster(const Kubeconfig::Entry& entry, const std::string& name, RestConfig& rest) {
  const std::string label = entry_label("clusters", name);
  const YAML::Node body = YAML::Load(entry.yaml);
  rest.cluster = name;
  rest.server = string_field(body, "server", entry.file, label);
  if (rest.server.empty()) fail(entry.file, label + ".server: missing");
  rest.ca_pem =
      data_or_file(body, "certificate-authority-data", "certificate-authority", entry.file, label);
  rest.insecure_skip_tls_verify = bool_field(body, "insecure-skip-tls-verify", entry.file, label);
  rest.tls_server_name = string_field(body, "tls-server-name", entry.file, label);
  rest.proxy_url = string_field(body, "proxy-url", entry.file, label);
}

// The ExecCredential handed to the plugin in KUBERNETES_EXEC_INFO.
std::string exec_info(const std::string& api_version, bool provide_cluster_info,
                      const RestConfig& rest) {
  nlohmann::json info = {
      {"apiVersion", api_version}, {"kind", "ExecCredential"}, {"spec", {{"interactive", false}}}};
  if (provide_cluster_info) {
    nlohmann::json cluster = {{"server", rest.server}};
    if (!rest.tls_server_name.empty()) cluster["tls-server-name"] = rest.tls_server_name;
    if (rest.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!rest.ca_pem.empty()) cluster["certificate-authority-data"] = base64_encode(rest.ca_pem);
    if (!rest.proxy_url.empty()) cluster["proxy-url"] = rest.proxy_url;
    info["spec"]["cluster"] = std::move(cluster);
  }
  return info.dump();
}

std::string first_line(const std::string& text) {
  for (const auto& line : split(text, '\n')) {
    auto t = trim(line);
    if (!t.empty()) return std::string(t.substr(0, 300));
  }
  return {};
}

std::string seconds_text(std::chrono::milliseconds d) {
  std::ostringstream s;
  s << static_cast<double>(d.count()) / 1000.0 << "s";
  return s.str();
}

// Runs a client.authentication.k8s.io exec plugin the way kubectl does and applies its
// credential (token and/or client certificate).
void run_exec(const YAML::Node& exec, const std::string& file, const std::string& user_label,
              const ResolveOptions& options, RestConfig& rest) {
  const std::string label = user_label + ".exec";
  if (!exec.IsMap()) fail(file, label + ": expected a map");
  const std::string api_version = string_field(exec, "apiVersion", file, label);
  if (api_version.empty()) fail(file, label + ".apiVersion: missing");
  std::string command = string_field(exec, "command", file, label);
  if (command.empty()) fail(file, label + ".command: missing");
  // Like client-go: a command with a '/' is a path, relative to the kubeconfig's folder; a bare
  // name is looked up in $PATH.
  if (command.find('/') != std::string::npos) command = resolve_path(command, file);
  if (string_field(exec, "interactiveMode", file, label) == "Always") {
    fail(file, label + ".interactiveMode: Always needs a terminal; this tool runs unattended");
  }

  std::vector<std::string> args;
  if (const YAML::Node a = exec["args"]; a && !a.IsNull()) {
    if (!a.IsSequence()) fail(file, label + ".args: expected a list");
    for (const auto& arg : a) {
      if (!arg.IsScalar()) fail(file, label + ".args: expected strings");
      args.push_back(arg.Scalar());
    }
  }
  std::vector<std::pair<std::string, std::string>> env;
  if (const YAML::Node e = exec["env"]; e && !e.IsNull()) {
    if (!e.IsSequence()) fail(file, label + ".env: expected a list of name/value");
    for (std::size_t i = 0; i < e.size(); ++i) {
      const std::string item_label = label + ".env[" + std::to_string(i) + "]";
      if (!e[i].IsMap()) fail(file, item_label + ": expected name and value");
      const std::string name = string_field(e[i], "name", file, item_label);
      if (name.empty()) fail(file, item_label + ".name: missing");
      env.emplace_back(name, string_field(e[i], "value", file, item_label));
    }
  }
  env.emplace_back(
      "KUBERNETES_EXEC_INFO",
      exec_info(api_version, bool_field(exec, "provideClusterInfo", file, label), rest));

  const std::string plugin = label + ": plugin " + in_quotes(command);
  std::vector<std::string> argv{command};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions process_options;
  process_options.timeout = options.exec_timeout;
  process_options.env = std::move(env);
  std::string out;
  const ProcessResult result = run_process_capture(argv, out, process_options, kMaxPluginOutput);
  if (!result.spawn_error.empty()) {
    std::string hint = string_field(exec, "installHint", file, label);
    fail(file, plugin + " could not be started: " + result.spawn_error +
                   (hint.empty() ? "" : " (" + first_line(hint) + ")"));
  }
  if (result.timed_out) {
    fail(file, plugin + " timed out after " + seconds_text(options.exec_timeout));
  }
  if (result.stopped_by_sink) fail(file, plugin + " printed more than 4 MiB");
  if (!result.succeeded()) {
    std::string why = result.signal != 0 ? "signal " + std::to_string(result.signal)
                                         : "exit code " + std::to_string(result.exit_code);
    std::string err = first_line(result.stderr_text);
    fail(file, plugin + " failed with " + why + (err.empty() ? "" : ": " + err));
  }

  const auto cred = nlohmann::json::parse(out, nullptr, false);
  if (cred.is_discarded() || !cred.is_object()) {
    fail(file, plugin + " did not print an ExecCredential (invalid JSON)");
  }
  if (cred.value("kind", "") != "ExecCredential") {
    fail(file, plugin + " printed kind " + in_quotes(cred.value("kind", "")) +
                   ", expected ExecCredential");
  }
  if (cred.value("apiVersion", "") != api_version) {
    fail(file, plugin + " answered with apiVersion " + in_quotes(cred.value("apiVersion", "")) +
                   ", configured " + in_quotes(api_version));
  }
  const auto status = cred.find("status");
  if (status == cred.end() || !status->is_object()) {
    fail(file, plugin + " printed an ExecCredential without status");
  }
  const std::string token = status->value("token", "");
  const std::string cert = status->value("clientCertificateData", "");
  const std::string key = status->value("clientKeyData", "");
  if (cert.empty() != key.empty()) {
    fail(file, plugin + " returned only one of clientCertificateData and clientKeyData");
  }
  if (token.empty() && cert.empty()) {
    fail(file, plugin + " returned neither a token nor a client certificate");
  }
  if (!token.empty()) rest.token = token;
  if (!cert.empty()) {
    rest.client_cert_pem = cert;
    rest.client_key_pem = key;
  }
}

void apply_user(const Kubeconfig::Entry& entry, const std::string& name,
                const ResolveOptions& options, RestConfig& rest) {
  const std::string label = entry_label("users", name);
  const YAML::Node body = YAML::Load(entry.yaml);
  const std::string& file = entry.file;
  rest.client_cert_pem =
      data_or_file(body, "client-certificate-data", "client-certificate", file, label);
  rest.client_key_pem = data_or_file(body, "client-key-data", "client-key", file, label);
  if (rest.client_cert_pem.empty() != rest.client_key_pem.empty()) {
    fail(file, label + ": client certificate and client key must be given together");
  }
  // client-go: an inline token wins over tokenFile; the file is read once, whitespace trimmed.
  rest.token = string_field(body, "token", file, label);
  if (rest.token.empty()) {
    const std::string token_file = string_field(body, "tokenFile", file, label);
    if (!token_file.empty()) {
      const std::string full = resolve_path(token_file, file);
      std::string error;
      rest.token = std::string(trim(read_whole_file(full, error)));
      if (!error.empty()) fail(file, label + ".tokenFile: cannot read " + full + ": " + error);
      if (rest.token.empty()) fail(file, label + ".tokenFile: " + full + " is empty");
    }
  }
  rest.username = string_field(body, "username", file, label);
  rest.password = string_field(body, "password", file, label);
  if (const YAML::Node exec = body["exec"]; exec && !exec.IsNull()) {
    run_exec(exec, file, label, options, rest);
  }
  if (!rest.has_credentials()) {
    if (const YAML::Node ap = body["auth-provider"]; ap && ap.IsMap()) {
      fail(file, label + ".auth-provider: " + in_quotes(string_field(ap, "name", file, label)) +
                     " is not supported; use an exec credential plugin");
    }
  }
}

}  // namespace

std::vector<std::string> default_kubeconfig_paths(const KubeconfigEnv& env) {
  std::vector<std::string> out;
  if (env.kubeconfig && !env.kubeconfig->empty()) {
    // Like kubectl: each entry of the list that exists, duplicates once, in order.
    std::set<std::string> seen;
    for (const auto& entry : split(*env.kubeconfig, ':')) {
      if (entry.empty() || !seen.insert(entry).second) continue;
      std::error_code ec;
      if (fs::is_regular_file(entry, ec)) out.push_back(entry);
    }
    return out;
  }
  if (!env.home.empty()) out.push_back((fs::path(env.home) / ".kube" / "config").string());
  return out;
}

Kubeconfig load_kubeconfig(const std::vector<std::string>& paths, bool skip_missing) {
  Kubeconfig config;
  std::set<std::string> seen;
  for (const auto& path : paths) {
    if (path.empty() || !seen.insert(path).second) continue;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      if (skip_missing) continue;
      fail(path, "file not found");
    }
    if (fs::is_directory(path, ec)) fail(path, "is a folder, not a file");
    std::string error;
    const std::string text = read_whole_file(path, error);
    if (!error.empty()) fail(path, "cannot read: " + error);
    merge_document(text, path, config);
  }
  return config;
}

Kubeconfig parse_kubeconfig(const std::string& yaml_text, const std::string& origin) {
  Kubeconfig config;
  merge_document(yaml_text, origin, config);
  return config;
}

RestConfig resolve_context(const Kubeconfig& config, const std::string& context) {
  return resolve_context(config, context, ResolveOptions{});
}

RestConfig resolve_context(const Kubeconfig& config, const std::string& context,
                           const ResolveOptions& options) {
  const std::string name = context.empty() ? config.current_context : context;
  if (name.empty()) fail(where(config), "no context given and current-context is not set");
  const ContextRefs refs = read_context(config, name);
  RestConfig rest;
  rest.context = name;
  const auto& cluster = config.clusters.at(refs.cluster);
  apply_cluster(cluster, refs.cluster, rest);
  rest.source = config.contexts.at(name).file;
  if (!refs.user.empty()) apply_user(config.users.at(refs.user), refs.user, options, rest);
  return rest;
}

}  // namespace kmg::kube
