// What every detector sees and returns. A detector is one function that reads a loaded Model (one
// cluster at a time, or one pod at a time) and emits candidate findings; registry.cpp holds the one
// table of detectors with their role and the lists they read. Detectors never read files or the
// clock: tests call them on an in-memory Model.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/analysis.h"
#include "report/cluster_profile.h"
#include "report/model.h"

namespace kmg::report::detect {

// The workload a pod belongs to: its controller, with ReplicaSets resolved to their Deployment.
struct Owner {
  std::string kind, name;
};

// A Service and the host names that refer to it ("db", "db.ns", "db.ns.svc", its clusterIP...).
struct ServiceRef {
  const nlohmann::json* svc;
  std::string ns, name;
  std::vector<std::string> names;
};

// Indexes of one cluster, built once and shared by every detector that runs on it.
class ClusterCtx {
 public:
  ClusterCtx(const Model& model, const ClusterData& cluster);

  const Model& m;
  const ClusterData& c;
  const ClusterProfile profile;  // Kind (and its engine), minikube, k3d, a cloud

  std::vector<const nlohmann::json*> events_for(const std::string& kind, const std::string& ns,
                                                const std::string& name) const;
  Owner owner_of(const nlohmann::json& pod) const;
  // The log kept for a container: the previous instance if asked and present.
  const LogInfo* log_for(const std::string& ns, const std::string& pod,
                         const std::string& container, bool previous) const;
  const nlohmann::json* pod(const std::string& ns, const std::string& name) const;
  const std::map<std::string, const nlohmann::json*>& pods() const { return pods_; }
  const std::vector<ServiceRef>& services() const { return services_; }
  // Pods selected by a Service's selector, in its namespace.
  std::vector<const nlohmann::json*> pods_behind(const ServiceRef& s) const;
  // The Services a line names by host, DNS name or cluster IP; a bare name only in `ns`.
  std::vector<const ServiceRef*> services_named_in(const std::string& text,
                                                   const std::string& ns) const;

  // Next steps in the cluster's own terms (Kind and its engine, minikube, k3d, a cloud).
  std::string load_image_step(const std::string& image) const;
  std::string list_nodes_step() const;
  std::string node_shell_step(const std::string& node, const std::string& command) const;

 private:
  std::map<std::string, std::vector<const nlohmann::json*>> events_by_object_;  // "Kind/ns/name"
  std::map<std::string, std::string> rs_to_deployment_;                         // "ns/rs"
  std::map<std::string, const nlohmann::json*> pods_;                           // "ns/name"
  std::vector<ServiceRef> services_;
};

// A finding before grouping: candidates with the same `group` are one cause across replicas.
struct Candidate {
  Finding f;
  std::string group;
};
using Out = std::vector<Candidate>;

struct PodView {
  const nlohmann::json& pod;
  std::string ns, name, node;
  Owner owner;
};

// What a finding is to the others, which decides grouping, suppression and ranking.
enum class Role {
  cause,        // stands on its own; a root cause unless another finding explains it
  consequence,  // follows from another object's failure (depends_on says which): ranked after
  summary,      // sums up its object's pods (a Job failed): caused by the findings on them
  rollup,       // like summary, but dropped when a pod finding already covers the object
  fallback,     // pod scope: runs only when no other detector found anything on the pod
};

using BundleFn = void (*)(const Model&, Out&);
using ClusterFn = void (*)(const ClusterCtx&, Out&);
using PodFn = void (*)(const ClusterCtx&, const PodView&, Out&);

struct Detector {
  std::string_view name;  // Finding::detector of what it emits
  Role role;
  std::vector<std::string_view> lists;           // lists it reads ("services", "jobs.batch")
  std::variant<BundleFn, ClusterFn, PodFn> run;  // the scope: once, per cluster, per pod
};

}  // namespace kmg::report::detect
