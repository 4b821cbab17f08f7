// The fake apiserver's in-memory cluster: the resource catalogue (built-in kinds plus every CRD of
// the scenario), the objects, container logs and Jaeger traces behind service proxies.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::fakeapi {

using nlohmann::json;

struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "log", "status", "proxy", "scale"
  bool custom = false;
  json printer_columns = json::array();  // CRD additionalPrinterColumns of this version

  std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  // "pods" for core, "deployments.apps" otherwise (the form Status messages use).
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
  std::string key() const { return group + "/" + plural; }
};

struct LogStream {
  std::string ns, pod, container;
  bool previous = false;
  std::vector<std::string> lines;  // each "RFC3339Nano text"
};

struct JaegerBackend {
  std::string ns, service;
  int port = 16686;
  std::vector<json> traces;  // Jaeger UI trace objects
};

class Store {
 public:
  Store();
  // Merges one scenario document (see README in this folder). `source` names it in errors.
  void load_scenario(const json& scenario, const std::string& source);
  void add_object(json object);
  void add_log(LogStream log) { logs_.push_back(std::move(log)); }
  void add_jaeger(JaegerBackend backend) { jaeger_.push_back(std::move(backend)); }
  // Call once after loading: registers CRD resources, files objects, derives events.k8s.io events.
  void finalize();

  const std::vector<ResourceInfo>& resources() const { return resources_; }
  // Group names in discovery order (core excluded), with their versions.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups() const;
  const ResourceInfo* find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  // Objects of a resource sorted by namespace/name (etcd key order).
  const std::vector<json>& objects(const ResourceInfo& resource) const;
  const json* get(const ResourceInfo& resource, const std::string& ns,
                  const std::string& name) const;
  const LogStream* find_log(const std::string& ns, const std::string& pod,
                            const std::string& container, bool previous) const;
  const JaegerBackend* find_jaeger(const std::string& ns, const std::string& service) const;
  std::int64_t resource_version() const { return resource_version_; }
  const json& server_version_overrides() const { return server_version_; }
  std::size_t object_count() const;

 private:
  void add_builtin(ResourceInfo info);
  const ResourceInfo* find_by_kind(const std::string& group, const std::string& kind) const;

  std::vector<ResourceInfo> resources_;
  std::vector<json> pending_;
  std::map<std::string, std::vector<json>> objects_;  // ResourceInfo::key() -> objects
  std::vector<LogStream> logs_;
  std::vector<JaegerBackend> jaeger_;
  json server_version_ = json::object();
  std::int64_t resource_version_ = 1000;
  bool finalized_ = false;
};

// "group/version" of an apiVersion string ("v1" -> {"", "v1"}).
std::pair<std::string, std::string> split_api_version(const std::string& api_version);

}  // namespace kmg::fakeapi
