// manifest.json: what was gathered, from where, how big, how long it took, and every failure.
// Complete enough that REPORT.md can say what is missing and why.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::bundle {

struct FailedRequest {
  std::string cluster;
  std::string collector;
  std::string method = "GET";
  std::string path;     // API path or engine request ("exec journalctl ... in kind-worker")
  long status = 0;      // HTTP status, 0 for a transport failure
  std::string message;  // one line
};

struct CollectorStats {
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t bytes = 0;
  std::uint64_t items = 0;  // objects or files produced
  double seconds = 0;       // wall time of the collector
};

// Thread-safe recorder, one per gather.
class Manifest {
 public:
  void set(const std::string& key, nlohmann::json value);  // top-level fields (tool, times...)
  void set_cluster_field(const std::string& cluster, const std::string& key, nlohmann::json value);
  void add_request(const std::string& cluster, const std::string& collector, std::uint64_t bytes);
  void add_failure(const FailedRequest& failure);
  void add_items(const std::string& cluster, const std::string& collector, std::uint64_t n);
  void add_seconds(const std::string& cluster, const std::string& collector, double seconds);
  // A note that is not a failed request: "node kind-worker is stopped: no node logs".
  void add_note(const std::string& cluster, const std::string& note);
  std::size_t failure_count() const;

  // {"tool":…, "clusters":{"<name>":{"collectors":{"pods":{requests,failures,bytes,items,
  //   seconds}}, "failures":[{collector,method,path,status,message}], "notes":[…], …}},
  //  "general": {same shape, for work of no cluster (attachments); recorded under cluster ""}}
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mutex_;
  nlohmann::json top_ = nlohmann::json::object();
  struct ClusterRecord {
    nlohmann::json fields = nlohmann::json::object();
    std::map<std::string, CollectorStats> collectors;
    std::vector<FailedRequest> failures;
    std::vector<std::string> notes;
  };
  std::map<std::string, ClusterRecord> clusters_;
};

}  // namespace kmg::bundle
