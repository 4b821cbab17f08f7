#include "collectors/describe/describe_node.h"

#include <algorithm>
#include <set>

#include "collectors/describe/describe_common.h"
#include "collectors/describe/events_table.h"
#include "collectors/describe/json_access.h"
#include "collectors/describe/tabwriter.h"
#include "util/text.h"

namespace kmg::describe {
namespace {

namespace ja = json_access;
using detail::rfc1123z;
using nlohmann::json;

std::vector<std::string> node_roles(const json& labels) {
  static constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
  std::set<std::string> roles;
  if (!labels.is_object()) return {};
  for (const auto& [key, value] : labels.items()) {
    if (key.rfind(kPrefix, 0) == 0) {
      if (key.size() > kPrefix.size()) roles.insert(key.substr(kPrefix.size()));
    } else if (key == "kubernetes.io/role" && !ja::text(value).empty()) {
      roles.insert(ja::text(value));
    }
  }
  return {roles.begin(), roles.end()};
}

void print_resource_list(PrefixWriter& w, const json& list) {
  std::map<std::string, std::string> sorted;
  for (const auto& [name, value] : list.items()) sorted[name] = quantity_text(value);
  for (const auto& [name, value] : sorted) w.write(0, "  " + name + ":\t" + value + "\n");
}

Quantity get(const ResourceList& list, const std::string& name) {
  const auto it = list.find(name);
  return it == list.end() ? Quantity() : it->second;
}

// int64(float64(part)/float64(whole)*100) with a zero whole giving 0 rather than Go's NaN.
std::int64_t percent(std::int64_t part, std::int64_t whole) {
  if (whole == 0) return 0;
  return static_cast<std::int64_t>(static_cast<double>(part) / static_cast<double>(whole) * 100);
}

std::string with_percent(const Quantity& q, std::int64_t part, std::int64_t whole) {
  return q.to_string() + " (" + std::to_string(percent(part, whole)) + "%)";
}

bool is_huge_page(const std::string& name) { return name.rfind("hugepages-", 0) == 0; }

bool is_standard_container_resource(const std::string& name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || is_huge_page(name);
}

void describe_node_resources(PrefixWriter& w, const json& node,
                             const std::vector<const json*>& pods, EpochNanos now) {
  w.write(0, "Non-terminated Pods:\t(" + std::to_string(pods.size()) + " in total)\n");
  w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  const json& status = ja::at(node, "status");
  ResourceList allocatable = parse_resource_list(ja::at(status, "allocatable"));
  if (!ja::at(status, "allocatable").is_object() || ja::at(status, "allocatable").empty()) {
    allocatable = parse_resource_list(ja::at(status, "capacity"));
  }
  const std::int64_t alloc_cpu = get(allocatable, "cpu").milli_value();
  const std::int64_t alloc_mem = get(allocatable, "memory").value();

  ResourceList total_requests, total_limits;
  for (const json* pod : pods) {
    const PodResources r = pod_requests_and_limits(*pod);
    add_resource_list(total_requests, r.requests);
    add_resource_list(total_limits, r.limits);
    const Quantity cpu_req = get(r.requests, "cpu"), cpu_lim = get(r.limits, "cpu");
    const Quantity mem_req = get(r.requests, "memory"), mem_lim = get(r.limits, "memory");
    const json& meta = ja::at(*pod, "metadata");
    w.write(1, ja::str(meta, "namespace") + "\t" + ja::str(meta, "name") + "\t\t" +
                   with_percent(cpu_req, cpu_req.milli_value(), alloc_cpu) + "\t" +
                   with_percent(cpu_lim, cpu_lim.milli_value(), alloc_cpu) + "\t" +
                   with_percent(mem_req, mem_req.value(), alloc_mem) + "\t" +
                   with_percent(mem_lim, mem_lim.value(), alloc_mem) + "\t" +
                   age_since(ja::time_of(ja::at(meta, "creationTimestamp")), now) + "\n");
  }

  w.write(0,
          "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.write(1, "Resource\tRequests\tLimits\n");
  w.write(1, "--------\t--------\t------\n");
  auto row = [&](const std::string& name, bool milli) {
    const Quantity req = get(total_requests, name), lim = get(total_limits, name);
    const Quantity alloc = get(allocatable, name);
    const std::int64_t whole = milli ? alloc.milli_value() : alloc.value();
    w.write(1, name + "\t" + with_percent(req, milli ? req.milli_value() : req.value(), whole) +
                   "\t" + with_percent(lim, milli ? lim.milli_value() : lim.value(), whole) + "\n");
  };
  row("cpu", true);
  row("memory", false);
  row("ephemeral-storage", false);
  std::vector<std::string> huge_pages, extended;
  for (const auto& [name, q] : allocatable) {
    if (is_huge_page(name)) {
      huge_pages.push_back(name);
    } else if (!is_standard_container_resource(name) && name != "pods") {
      extended.push_back(name);
    }
  }
  for (const std::string& name : huge_pages) row(name, false);
  for (const std::string& name : extended) {
    w.write(1, name + "\t" + get(total_requests, name).to_string() + "\t" +
                   get(total_limits, name).to_string() + "\n");
  }
}

void describe_images(PrefixWriter& w, const json& images) {
  if (ja::arr(images).empty()) {
    w.write(0, "Images:\t<none>\n");
    return;
  }
  w.write(0, "Images:\n");
  w.write(1, "Names\tSize\n");
  w.write(1, "-----\t----\n");
  for (const json& image : ja::arr(images)) {
    std::vector<std::string> names;
    for (const json& n : ja::arr(image, "names")) names.push_back(ja::text(n));
    const std::int64_t size = ja::num(image, "sizeBytes");
    w.write(1, (names.empty() ? std::string("<none>") : join(names, ", ")) + "\t" +
                   (size > 0 ? human_bytes(static_cast<std::uint64_t>(size)) : "<unknown>") + "\n");
  }
}

bool runs_on(const json& pod, const std::string& node_name) {
  const std::string phase = ja::str(ja::at(pod, "status"), "phase");
  if (phase == "Succeeded" || phase == "Failed") return false;
  return ja::str(ja::at(pod, "spec"), "nodeName") == node_name;
}

}  // namespace

PodResources pod_requests_and_limits(const json& pod) {
  PodResources out;
  const json& spec = ja::at(pod, "spec");
  for (const json& c : ja::arr(spec, "containers")) {
    add_resource_list(out.requests, parse_resource_list(ja::path(c, "resources", "requests")));
    add_resource_list(out.limits, parse_resource_list(ja::path(c, "resources", "limits")));
  }
  // Init containers run one at a time (a maximum), except restartable sidecars, which keep
  // running and so add to everything after them.
  ResourceList sidecar_requests, sidecar_limits, init_requests, init_limits;
  for (const json& c : ja::arr(spec, "initContainers")) {
    const ResourceList req = parse_resource_list(ja::path(c, "resources", "requests"));
    const ResourceList lim = parse_resource_list(ja::path(c, "resources", "limits"));
    if (ja::str(c, "restartPolicy") == "Always") {
      add_resource_list(out.requests, req);
      add_resource_list(out.limits, lim);
      add_resource_list(sidecar_requests, req);
      add_resource_list(sidecar_limits, lim);
      max_resource_list(init_requests, sidecar_requests);
      max_resource_list(init_limits, sidecar_limits);
    } else {
      ResourceList r = req, l = lim;
      add_resource_list(r, sidecar_requests);
      add_resource_list(l, sidecar_limits);
      max_resource_list(init_requests, r);
      max_resource_list(init_limits, l);
    }
  }
  max_resource_list(out.requests, init_requests);
  max_resource_list(out.limits, init_limits);
  const ResourceList overhead = parse_resource_list(ja::at(spec, "overhead"));
  add_resource_list(out.requests, overhead);
  for (const auto& [name, q] : overhead) {
    if (auto it = out.limits.find(name); it != out.limits.end()) it->second.add(q);
  }
  return out;
}

namespace {

// A kubelet that stopped renewing its lease is why a node goes NotReady: RenewTime tells when.
void describe_lease(PrefixWriter& w, const json& lease) {
  const json& spec = ja::at(lease, "spec");
  auto time_or_unset = [&](const char* key) {
    const json& t = ja::at(spec, key);
    return t.is_string() ? rfc1123z(t) : std::string("<unset>");
  };
  const json& holder = ja::at(spec, "holderIdentity");
  w.write(0, "Lease:\n");
  w.write(
      1, "HolderIdentity:\t" + (holder.is_string() ? holder.get<std::string>() : "<unset>") + "\n");
  w.write(1, "AcquireTime:\t" + time_or_unset("acquireTime") + "\n");
  w.write(1, "RenewTime:\t" + time_or_unset("renewTime") + "\n");
}

}  // namespace

std::string describe_node(const json& node, const std::vector<const json*>& pods_on_node,
                          const std::vector<const json*>& events, EpochNanos now,
                          const NodeLease& lease) {
  PrefixWriter w;
  const json& meta = ja::at(node, "metadata");
  const json& spec = ja::at(node, "spec");
  const json& status = ja::at(node, "status");
  const std::string name = ja::str(meta, "name");

  w.write(0, "Name:\t" + name + "\n");
  const std::vector<std::string> roles = node_roles(ja::at(meta, "labels"));
  w.write(0, "Roles:\t" + (roles.empty() ? std::string("<none>") : join(roles, ",")) + "\n");
  detail::print_labels(w, "Labels", ja::at(meta, "labels"));
  detail::print_annotations(w, "Annotations", ja::at(meta, "annotations"));
  w.write(0, "CreationTimestamp:\t" + rfc1123z(ja::at(meta, "creationTimestamp")) + "\n");
  detail::print_taints(w, "Taints", ja::at(spec, "taints"));
  w.write(0, std::string("Unschedulable:\t") +
                 (ja::flag(spec, "unschedulable") ? "true" : "false") + "\n");
  if (lease.lease != nullptr && lease.lease->is_object()) {
    describe_lease(w, *lease.lease);
  } else if (!lease.error.empty()) {
    w.write(0, "Lease:\tFailed to get lease: " + lease.error + "\n");
  }

  const json& conditions = ja::arr(status, "conditions");
  if (!conditions.empty()) {
    w.write(
        0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
    for (const json& c : conditions) {
      w.write(1, ja::str(c, "type") + " \t" + ja::str(c, "status") + " \t" +
                     rfc1123z(ja::at(c, "lastHeartbeatTime")) + " \t" +
                     rfc1123z(ja::at(c, "lastTransitionTime")) + " \t" + ja::str(c, "reason") +
                     " \t" + ja::str(c, "message") + "\n");
    }
  }
  w.write(0, "Addresses:\n");
  for (const json& a : ja::arr(status, "addresses")) {
    w.write(1, ja::str(a, "type") + ":\t" + ja::str(a, "address") + "\n");
  }
  for (const auto& [key, title] :
       {std::pair{"capacity", "Capacity"}, std::pair{"allocatable", "Allocatable"}}) {
    const json& list = ja::at(status, key);
    if (list.is_object() && !list.empty()) {
      w.write(0, std::string(title) + ":\n");
      print_resource_list(w, list);
    }
  }
  const json& info = ja::at(status, "nodeInfo");
  w.write(0, "System Info:\n");
  static constexpr std::pair<const char*, const char*> kInfo[] = {
      {"Machine ID", "machineID"},
      {"System UUID", "systemUUID"},
      {"Boot ID", "bootID"},
      {"Kernel Version", "kernelVersion"},
      {"OS Image", "osImage"},
      {"Operating System", "operatingSystem"},
      {"Architecture", "architecture"},
      {"Container Runtime Version", "containerRuntimeVersion"},
      {"Kubelet Version", "kubeletVersion"},
      {"Kube-Proxy Version", "kubeProxyVersion"}};
  for (const auto& [label, key] : kInfo) {
    w.write(0, std::string("  ") + label + ":\t" + ja::str(info, key) + "\n");
  }
  if (const std::string cidr = ja::str(spec, "podCIDR"); !cidr.empty()) {
    w.write(0, "PodCIDR:\t" + cidr + "\n");
  }
  std::vector<std::string> cidrs;
  for (const json& c : ja::arr(spec, "podCIDRs")) cidrs.push_back(ja::text(c));
  if (!cidrs.empty()) w.write(0, "PodCIDRs:\t" + join(cidrs, ",") + "\n");
  if (const std::string provider = ja::str(spec, "providerID"); !provider.empty()) {
    w.write(0, "ProviderID:\t" + provider + "\n");
  }

  std::vector<const json*> pods;
  for (const json* p : pods_on_node) {
    if (p != nullptr && runs_on(*p, name)) pods.push_back(p);
  }
  std::stable_sort(pods.begin(), pods.end(), [](const json* a, const json* b) {
    const json& ma = ja::at(*a, "metadata");
    const json& mb = ja::at(*b, "metadata");
    return std::pair(ja::str(ma, "namespace"), ja::str(ma, "name")) <
           std::pair(ja::str(mb, "namespace"), ja::str(mb, "name"));
  });
  describe_node_resources(w, node, pods, now);
  describe_events(w, events, now);
  // Not in kubectl: last, and aligned on its own, so everything above reads exactly as kubectl's.
  w.flush();
  describe_images(w, ja::at(status, "images"));
  return w.str();
}

}  // namespace kmg::describe
