// Between a Service and its pods: a selector that matches no pod, pods that are all unready, a
// targetPort that no container defines. Read from the Service spec, the pods it selects and its
// EndpointSlices (kubernetes.io/service-name label, endpoints[].conditions.ready as
// pkg/controller/endpointslice writes them; a nil ready counts as ready, as the API says).
#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "report/detectors/common.h"
#include "report/detectors/dns.h"
#include "report/detectors/services.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

constexpr const char* kSlices = "endpointslices.discovery.k8s.io";
constexpr std::size_t kPodsInEvidence = 5;

// Services whose pods the endpoint controllers pick: a selector, not ExternalName, and not the
// cluster DNS (cluster-dns-down speaks for it).
bool selects_pods(const ServiceRef& s) {
  const json& sel = at_path(*s.svc, {"spec", "selector"});
  return sel.is_object() && !sel.empty() &&
         str(at_path(*s.svc, {"spec"}), "type") != "ExternalName" && !is_cluster_dns(s);
}

std::string labels_text(const json& labels) {
  std::vector<std::string> parts;
  if (labels.is_object())
    for (const auto& [k, v] : labels.items())
      parts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : v.dump()));
  return join(parts, ",");
}

// Pods of the namespace that carry some of the selector's labels but not all ("app=web" but
// "version=v2"), one per owner, closest first.
std::vector<std::string> near_misses(const ClusterCtx& ctx, const ServiceRef& s) {
  const json& sel = at_path(*s.svc, {"spec", "selector"});
  std::multimap<std::size_t, std::string, std::greater<>> scored;
  std::set<std::string> owners;
  for (const auto& [key, p] : ctx.pods()) {
    if (str(at_path(*p, {"metadata"}), "namespace") != s.ns) continue;
    const json& labels = at_path(*p, {"metadata", "labels"});
    std::size_t same = 0;
    std::vector<std::string> differ;
    for (const auto& [k, v] : sel.items()) {
      if (labels.is_object() && labels.contains(k) && labels[k] == v) {
        ++same;
      } else {
        const std::string has = labels.is_object() && labels.contains(k) && labels[k].is_string()
                                    ? k + "=" + labels[k].get<std::string>()
                                    : "no label " + k;
        differ.push_back(has);
      }
    }
    const Owner o = ctx.owner_of(*p);
    if (same == 0 || !owners.insert(o.kind + "/" + o.name).second) continue;
    scored.emplace(same, "almost matching: pod " + str(at_path(*p, {"metadata"}), "name") + " (" +
                             o.kind + " " + o.name + ") has " + join(differ, ", ") +
                             "; its labels: " + labels_text(labels));
  }
  std::vector<std::string> out;
  for (const auto& [n, line] : scored)
    if (out.size() < 3) out.push_back(line);
  return out;
}

// Workloads whose pod template the selector matches: the Service is empty because they have no
// pods (scaled to zero, or failing to create them).
std::vector<std::pair<ObjectRef, std::string>> matching_workloads(const ClusterCtx& ctx,
                                                                  const ServiceRef& s) {
  std::vector<std::pair<ObjectRef, std::string>> out;
  const json& sel = at_path(*s.svc, {"spec", "selector"});
  for (const auto& [list, kind] : {std::pair{"deployments.apps", "Deployment"},
                                   {"statefulsets.apps", "StatefulSet"},
                                   {"daemonsets.apps", "DaemonSet"}}) {
    for (const auto& w : ctx.c.items(list)) {
      if (str(at_path(w, {"metadata"}), "namespace") != s.ns ||
          !selector_matches(sel, at_path(w, {"spec", "template", "metadata", "labels"})))
        continue;
      const std::string name = str(at_path(w, {"metadata"}), "name");
      const json& replicas = at_path(w, {"spec", "replicas"});
      out.emplace_back(
          ObjectRef{ctx.c.name, s.ns, kind, name},
          std::string(kind) + " " + name + " matches the selector but has no pods" +
              (replicas.is_number() ? " (spec.replicas: " + replicas.dump() + ")" : ""));
    }
  }
  return out;
}

struct PortSpec {
  std::string name, protocol;
  long number = 0;
};

std::vector<PortSpec> container_ports(const json& pod) {
  std::vector<PortSpec> out;
  for (const char* list : {"containers", "initContainers"})
    for (const auto& c : at_path(pod, {"spec", list}))
      for (const auto& p : at_path(c, {"ports"}))
        out.push_back({str(p, "name"), str(p, "protocol").empty() ? "TCP" : str(p, "protocol"),
                       num(p, {"containerPort"})});
  return out;
}

std::string ports_text(const std::vector<PortSpec>& ports) {
  std::vector<std::string> parts;
  for (const auto& p : ports)
    parts.push_back((p.name.empty() ? "" : p.name + " ") + std::to_string(p.number) + "/" +
                    p.protocol);
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  return parts.empty() ? "none" : join(parts, ", ");
}

// Lines of any pod's logs where a connection to the Service is refused.
std::vector<std::string> refused_lines(const ClusterCtx& ctx, const ServiceRef& s) {
  std::vector<std::string> out;
  for (const auto& [path, log] : ctx.c.logs)
    for (const auto& e : log.network) {
      if (out.size() >= 3) return out;
      if (!contains_ci(e.text, "connection refused")) continue;
      const auto named = ctx.services_named_in(e.text, log.ns);
      if (std::find(named.begin(), named.end(), &s) != named.end())
        out.push_back(one_line(e.text) + " [" + path + "]");
    }
  return out;
}

void port_finding(const ClusterCtx& ctx, const ServiceRef& s, const json& port,
                  const std::string& title, const std::string& cause,
                  const std::vector<std::string>& evidence, Out& out) {
  Candidate c = make_obj(ctx, *s.svc, "Service", "service-port-mismatch", Severity::error);
  c.f.id += "/" + std::to_string(num(port, {"port"}));
  c.group = c.f.id;
  c.f.title = title;
  c.f.evidence = evidence;
  c.f.cause = cause;
  c.f.next_step = "kubectl get svc " + s.name + " -n " + s.ns +
                  " -o jsonpath='{.spec.ports}'; set targetPort to a port the container listens "
                  "on (or name that port in the pod template).";
  out.push_back(std::move(c));
}

void check_port(const ClusterCtx& ctx, const ServiceRef& s, const json& port,
                const std::vector<PortSpec>& declared, const std::string& backends, Out& out) {
  const json& target = at_path(port, {"targetPort"});
  const std::string proto = str(port, "protocol").empty() ? "TCP" : str(port, "protocol");
  const std::string svc_port = (str(port, "name").empty() ? "" : str(port, "name") + " ") +
                               std::to_string(num(port, {"port"})) + "/" + proto;
  const std::string declared_line = backends + " declare container ports: " + ports_text(declared);
  if (target.is_string()) {
    const std::string name = target.get<std::string>();
    if (std::any_of(declared.begin(), declared.end(),
                    [&](const PortSpec& p) { return p.name == name; }))
      return;
    port_finding(
        ctx, s, port,
        "Service " + s.name + " targets port \"" + name + "\", which its pods do not define",
        "The Service port " + svc_port + " names targetPort \"" + name +
            "\", but no container of the selected pods has a port of that name, so the "
            "port has no endpoint and connections to it fail.",
        {"Service port " + svc_port + " -> targetPort \"" + name + "\"", declared_line}, out);
    return;
  }
  // An undeclared numeric port is legal (containerPort is informational): only a port the pods do
  // not declare, while they declare others, and clients being refused, make it a finding.
  const long number = target.is_number() ? target.get<long>() : num(port, {"port"});
  if (declared.empty() || std::any_of(declared.begin(), declared.end(),
                                      [&](const PortSpec& p) { return p.number == number; }))
    return;
  const auto refused = refused_lines(ctx, s);
  if (refused.empty()) return;
  std::vector<std::string> evidence{
      "Service port " + svc_port + " -> targetPort " + std::to_string(number), declared_line};
  evidence.insert(evidence.end(), refused.begin(), refused.end());
  port_finding(ctx, s, port,
               "Service " + s.name + " targets port " + std::to_string(number) +
                   ", which its pods do not declare (connection refused)",
               "Traffic to " + s.name + " is sent to port " + std::to_string(number) +
                   " of its pods, which declare only " + ports_text(declared) +
                   "; nothing listens there, so connections are refused.",
               evidence, out);
}

}  // namespace

SliceSummary endpoint_slices(const ClusterCtx& ctx, const std::string& ns, const std::string& svc) {
  SliceSummary out;
  out.known = ctx.c.lists.count(kSlices) > 0;
  for (const auto& es : ctx.c.items(kSlices)) {
    if (str(at_path(es, {"metadata"}), "namespace") != ns ||
        str(at_path(es, {"metadata", "labels"}), "kubernetes.io/service-name") != svc)
      continue;
    out.names.push_back(str(at_path(es, {"metadata"}), "name"));
    for (const auto& ep : at_path(es, {"endpoints"})) {
      ++out.endpoints;
      const json& ready = at_path(ep, {"conditions", "ready"});
      if (!ready.is_boolean() || ready.get<bool>()) ++out.ready;
    }
  }
  return out;
}

std::string slice_evidence(const SliceSummary& s, const std::string& svc) {
  if (s.names.empty()) return "no EndpointSlice for Service " + svc;
  return "EndpointSlice " + join(s.names, ", ") + ": " +
         (s.endpoints == 0
              ? std::string("no endpoints")
              : plural(s.endpoints, "endpoint") + ", " +
                    (s.ready == 0 ? std::string("none") : std::to_string(s.ready)) + " ready");
}

void service_selects_nothing(const ClusterCtx& ctx, Out& out) {
  if (ctx.c.lists.count("pods") == 0) return;  // without the pods nothing can be said
  for (const auto& s : ctx.services()) {
    if (!selects_pods(s) || !ctx.pods_behind(s).empty()) continue;
    const std::string selector = labels_text(at_path(*s.svc, {"spec", "selector"}));
    Candidate c = make_obj(ctx, *s.svc, "Service", "service-selects-nothing", Severity::error);
    c.f.title = "Service " + s.name + " selects no pod (selector " + selector + ")";
    c.f.evidence.push_back("selector " + selector + ": no pod in namespace " + s.ns + " matches");
    const auto near = near_misses(ctx, s);
    const auto workloads = matching_workloads(ctx, s);
    c.f.evidence.insert(c.f.evidence.end(), near.begin(), near.end());
    for (const auto& [ref, line] : workloads) {
      c.f.evidence.push_back(line);
      c.f.depends_on.push_back(ref);
    }
    const SliceSummary slices = endpoint_slices(ctx, s.ns, s.name);
    if (slices.known) c.f.evidence.push_back(slice_evidence(slices, s.name));
    if (!workloads.empty())
      c.f.cause = "The workload behind " + s.name + " has no pods, so the Service has no endpoint.";
    else if (!near.empty())
      c.f.cause =
          "Pods with some of the selector's labels exist, but none has all of them: the "
          "Service's selector and the pod template's labels disagree.";
    else
      c.f.cause = "No pod in " + s.ns +
                  " has these labels: what the Service should route to was "
                  "not deployed, or carries other labels.";
    c.f.next_step =
        "kubectl get pods -n " + s.ns + " -l " + selector + "; kubectl get pods -n " + s.ns +
        " --show-labels; make the Service's selector and the pod template's labels agree.";
    out.push_back(std::move(c));
  }
}

void service_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& s : ctx.services()) {
    if (!selects_pods(s) || at_path(*s.svc, {"spec", "publishNotReadyAddresses"}) == true) continue;
    const auto pods = ctx.pods_behind(s);
    if (pods.empty() ||
        std::any_of(pods.begin(), pods.end(), [](const json* p) { return pod_ready(*p); }))
      continue;
    const SliceSummary slices = endpoint_slices(ctx, s.ns, s.name);
    if (slices.ready > 0) continue;  // the endpoint controller still counts one ready
    Candidate c = make_obj(ctx, *s.svc, "Service", "service-not-ready", Severity::error);
    c.f.title = "Service " + s.name + " has no ready pod (" + plural(pods.size(), "pod") +
                " selected, none ready)";
    for (std::size_t i = 0; i < pods.size(); ++i) {
      c.f.depends_on.push_back(pod_ref(ctx, *pods[i]));
      if (i < kPodsInEvidence) c.f.evidence.push_back("behind it: " + pod_state(ctx, *pods[i]));
    }
    if (slices.known) c.f.evidence.push_back(slice_evidence(slices, s.name));
    c.f.cause =
        "Every pod the Service selects is unready, so it has no ready endpoint and "
        "connections to it fail; the pods' own findings say why they are not ready.";
    c.f.next_step = "Fix the pods behind " + s.name +
                    " first (see their findings); kubectl get "
                    "endpointslices -n " +
                    s.ns + " -l kubernetes.io/service-name=" + s.name;
    out.push_back(std::move(c));
  }
}

void service_port_mismatch(const ClusterCtx& ctx, Out& out) {
  for (const auto& s : ctx.services()) {
    if (!selects_pods(s)) continue;
    const auto pods = ctx.pods_behind(s);
    if (pods.empty()) continue;
    std::vector<PortSpec> declared;
    std::set<std::string> owners;
    for (const json* p : pods) {
      const auto ports = container_ports(*p);
      declared.insert(declared.end(), ports.begin(), ports.end());
      const Owner o = ctx.owner_of(*p);
      owners.insert(o.kind + " " + o.name);
    }
    const std::string backends =
        "the selected pods (" + join({owners.begin(), owners.end()}, ", ") + ")";
    for (const auto& port : at_path(*s.svc, {"spec", "ports"}))
      check_port(ctx, s, port, declared, backends, out);
  }
}

}  // namespace kmg::report::detect
