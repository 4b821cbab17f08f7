// Kubeconfig loading as kubectl does it: KUBECONFIG with several files merged (first file wins
// for each name), ~/.kube/config, current-context, and every credential form kubectl supports.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kmg::kube {

// What a client needs to talk to one API server, with every file already read and every
// credential resolved (exec plugins run, token files read). Never written to the bundle.
struct RestConfig {
  std::string context;  // context name it came from
  std::string cluster;  // cluster entry name
  std::string server;   // "https://127.0.0.1:41234"
  std::string ca_pem;   // empty: system roots
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string token;
  std::string username;
  std::string password;
  std::string source;  // the kubeconfig file (or "admin.conf of <node>")

  bool has_credentials() const {
    return !token.empty() || !username.empty() ||
           (!client_cert_pem.empty() && !client_key_pem.empty());
  }
};

// The parsed, merged kubeconfig: raw entries by name, plus which file each came from (for errors
// and relative paths).
struct Kubeconfig {
  struct Entry {
    std::string file;  // where it was defined
    std::string yaml;  // the entry's body as YAML text (cluster/user/context map)
  };
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  std::vector<std::string> files;  // files read, in order
};

// Environment seam: the variables and home directory kubeconfig resolution depends on.
struct KubeconfigEnv {
  std::optional<std::string> kubeconfig;  // $KUBECONFIG
  std::string home;                       // $HOME
};

// The files kubectl would read: each existing entry of $KUBECONFIG, else ~/.kube/config.
std::vector<std::string> default_kubeconfig_paths(const KubeconfigEnv& env);

// Reads and merges `paths` (missing files are skipped when `skip_missing`, as kubectl does for
// KUBECONFIG entries). Throws kmg::Error naming the file and field on bad YAML.
Kubeconfig load_kubeconfig(const std::vector<std::string>& paths, bool skip_missing = true);
// Parses one kubeconfig from memory (admin.conf read from a node). `origin` names it in errors.
Kubeconfig parse_kubeconfig(const std::string& yaml_text, const std::string& origin);

// Resolves `context` (empty: current-context) into a RestConfig: reads certificate and key files
// (relative to the kubeconfig's folder), decodes -data fields, reads tokenFile, runs exec plugins.
// Throws kmg::Error naming the file and field ("kubeconfig /x: context \"foo\" not found").
RestConfig resolve_context(const Kubeconfig& config, const std::string& context = "");

struct ResolveOptions {
  // An exec credential plugin that runs longer is killed and the context fails.
  std::chrono::milliseconds exec_timeout{std::chrono::seconds(60)};
};
RestConfig resolve_context(const Kubeconfig& config, const std::string& context,
                           const ResolveOptions& options);

}  // namespace kmg::kube
