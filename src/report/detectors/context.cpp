// The per-cluster indexes every detector shares: events by involved object, pods by key,
// ReplicaSet -> Deployment, Services with the host names that refer to them.
#include <cctype>
#include <set>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "report/detectors/detector.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

std::vector<ServiceRef> index_services(const ClusterData& c) {
  std::vector<ServiceRef> out;
  for (const auto& s : c.items("services")) {
    ServiceRef r{
        &s, str(at_path(s, {"metadata"}), "namespace"), str(at_path(s, {"metadata"}), "name"), {}};
    if (r.name.empty() || r.name == "kubernetes") continue;
    r.names = {r.name, r.name + "." + r.ns, r.name + "." + r.ns + ".svc",
               r.name + "." + r.ns + ".svc.cluster.local"};
    const std::string ip = str(at_path(s, {"spec"}), "clusterIP");
    if (!ip.empty() && ip != "None") r.names.push_back(ip);
    out.push_back(std::move(r));
  }
  return out;
}

// Host-like tokens of a line ("postgres:5432" -> "postgres").
std::set<std::string> host_tokens(const std::string& text) {
  std::set<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) {
      std::string t = cur;
      while (!t.empty() && (t.back() == '.' || t.back() == ':')) t.pop_back();
      const auto colon = t.rfind(':');
      if (colon != std::string::npos &&
          t.find_first_not_of("0123456789", colon + 1) == std::string::npos)
        t = t.substr(0, colon);
      if (!t.empty()) out.insert(t);
    }
    cur.clear();
  };
  for (char ch : text) {
    if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == ':' ||
        ch == '_')
      cur += ch;
    else
      flush();
  }
  flush();
  return out;
}

}  // namespace

ClusterCtx::ClusterCtx(const Model& model, const ClusterData& cluster)
    : m(model), c(cluster), profile(cluster_profile(cluster)), services_(index_services(cluster)) {
  for (const auto& ev : c.events) {
    const json& io = at_path(ev, {"involvedObject"});
    events_by_object_[str(io, "kind") + "/" + str(io, "namespace") + "/" + str(io, "name")]
        .push_back(&ev);
  }
  for (const auto& rs : c.items("replicasets.apps")) {
    const json& refs = at_path(rs, {"metadata", "ownerReferences"});
    if (!refs.is_array()) continue;
    for (const auto& ref : refs)
      if (str(ref, "kind") == "Deployment") rs_to_deployment_[pod_key(rs)] = str(ref, "name");
  }
  for (const auto& p : c.items("pods")) pods_[pod_key(p)] = &p;
}

std::vector<const json*> ClusterCtx::events_for(const std::string& kind, const std::string& ns,
                                                const std::string& name) const {
  auto it = events_by_object_.find(kind + "/" + ns + "/" + name);
  return it == events_by_object_.end() ? std::vector<const json*>{} : it->second;
}

Owner ClusterCtx::owner_of(const json& pod) const {
  const json& refs = at_path(pod, {"metadata", "ownerReferences"});
  const std::string ns = str(at_path(pod, {"metadata"}), "namespace");
  if (refs.is_array()) {
    for (const auto& ref : refs) {
      if (!ref.value("controller", false) && refs.size() > 1) continue;
      const std::string kind = str(ref, "kind");
      const std::string name = str(ref, "name");
      if (kind == "ReplicaSet") {
        auto it = rs_to_deployment_.find(ns + "/" + name);
        if (it != rs_to_deployment_.end()) return {"Deployment", it->second};
        // Without the ReplicaSet list, "web-5d9f8c7b6d" still names Deployment "web".
        const auto dash = name.rfind('-');
        if (dash != std::string::npos && dash > 0) return {"Deployment", name.substr(0, dash)};
      }
      return {kind, name};
    }
  }
  return {"Pod", str(at_path(pod, {"metadata"}), "name")};
}

const LogInfo* ClusterCtx::log_for(const std::string& ns, const std::string& pod,
                                   const std::string& container, bool previous) const {
  for (const auto& [path, log] : c.logs)
    if (log.ns == ns && log.pod == pod && log.container == container && log.previous == previous)
      return &log;
  return nullptr;
}

const json* ClusterCtx::pod(const std::string& ns, const std::string& name) const {
  auto it = pods_.find(ns + "/" + name);
  return it == pods_.end() ? nullptr : it->second;
}

std::vector<const json*> ClusterCtx::pods_behind(const ServiceRef& s) const {
  std::vector<const json*> out;
  const json& selector = at_path(*s.svc, {"spec", "selector"});
  for (const auto& [key, p] : pods_)
    if (str(at_path(*p, {"metadata"}), "namespace") == s.ns &&
        selector_matches(selector, at_path(*p, {"metadata", "labels"})))
      out.push_back(p);
  return out;
}

std::vector<const ServiceRef*> ClusterCtx::services_named_in(const std::string& text,
                                                             const std::string& ns) const {
  // "lookup queue.ns.svc on 10.96.0.10:53: no such host" names the DNS server too; it is not
  // the dependency.
  std::string cleaned = text;
  static const RE2 dns_server(R"( on [0-9a-fA-F.:\[\]]+:53\b)");
  RE2::GlobalReplace(&cleaned, dns_server, "");
  const auto tokens = host_tokens(cleaned);
  std::vector<const ServiceRef*> out;
  for (const auto& s : services_) {
    // A bare name only refers to a Service in the pod's own namespace.
    bool hit = false;
    for (std::size_t i = 0; i < s.names.size() && !hit; ++i)
      hit = tokens.count(s.names[i]) > 0 && (i > 0 || s.ns == ns);
    if (hit) out.push_back(&s);
  }
  return out;
}

std::string ClusterCtx::load_image_step(const std::string& image) const {
  return report::load_image_step(profile, image);
}

std::string ClusterCtx::list_nodes_step() const { return report::list_nodes_step(profile); }

std::string ClusterCtx::node_shell_step(const std::string& node, const std::string& command) const {
  return report::node_shell_step(profile, node, command);
}

}  // namespace kmg::report::detect
