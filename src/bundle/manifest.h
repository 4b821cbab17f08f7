// manifest.json: what was gathered, from where, how big, how long it took, and every failure.
// Complete enough that REPORT.md can say what is missing and why.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "bundle/manifest_record.h"

namespace kmg::bundle {

// Thread-safe recorder, one per gather.
class Manifest {
 public:
  // Top-level fields (tool, times...) and a cluster's description, under the lock.
  void update(const std::function<void(ManifestRecord&)>& change);
  void update_cluster(const std::string& cluster,
                      const std::function<void(ClusterRecord&)>& change);
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
  ManifestRecord record() const;  // a copy, as to_json() would write it

 private:
  // Work of no cluster (attachments) is recorded under the empty name: record() files it as
  // "general", so it never looks like a cluster.
  ClusterRecord& cluster(const std::string& name);

  mutable std::mutex mutex_;
  ManifestRecord record_;
  ClusterRecord general_;
  bool has_general_ = false;
};

}  // namespace kmg::bundle
