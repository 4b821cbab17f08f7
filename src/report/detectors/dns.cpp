// Cluster DNS. Messages as their sources write them:
// - Go's resolver (net.DNSError): "lookup NAME on 10.96.0.10:53: read udp A->10.96.0.10:53: i/o
//   timeout", "lookup NAME on S:53: dial udp S:53: connect: network is unreachable", "lookup NAME
//   on S:53: server misbehaving" (SERVFAIL), "lookup NAME on S:53: no such host" (NXDOMAIN);
// - glibc/musl and Node.js: "Temporary failure in name resolution", "getaddrinfo EAI_AGAIN NAME",
//   dig/nslookup ";; connection timed out; no servers could be reached";
// - CoreDNS's errors plugin: "[ERROR] plugin/errors: 2 NAME. A: read udp A->UPSTREAM:53: i/o
//   timeout" (clog.Errorf("%d %s %s: %v", rcode, name, type, err)).
#include "report/detectors/dns.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <re2/re2.h>

#include "report/detectors/common.h"
#include "report/detectors/services.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;
using Lines = std::vector<std::pair<std::string, std::string>>;  // text, where

constexpr const char* kDnsLabel = "kube-dns";  // k8s-app label of CoreDNS/kube-dns

enum class Failure { none, timeout, unreachable, servfail, nxdomain };

struct Lookup {
  Failure failure = Failure::none;
  std::string name, server;  // either may be empty
};

Failure classify(const std::string& rest) {
  if (contains_ci(rest, "no such host")) return Failure::nxdomain;
  if (contains_ci(rest, "server misbehaving")) return Failure::servfail;
  if (contains_ci(rest, "timeout") || contains_ci(rest, "deadline exceeded"))
    return Failure::timeout;
  if (contains_ci(rest, "connect:") || contains_ci(rest, "unreachable") ||
      contains_ci(rest, "no route to host") || contains_ci(rest, "connection refused"))
    return Failure::unreachable;
  return Failure::none;
}

Lookup parse_lookup(const std::string& text) {
  static const RE2 go(R"(lookup ([A-Za-z0-9_.-]+)(?: on (\[[0-9a-fA-F:]+\]|[0-9.]+):53)?: (.*))");
  static const RE2 eai_again(R"(getaddrinfo EAI_AGAIN ([A-Za-z0-9_.-]+))");
  Lookup l;
  std::string rest;
  if (RE2::PartialMatch(text, go, &l.name, &l.server, &rest)) {
    l.failure = classify(rest);
  } else if (RE2::PartialMatch(text, eai_again, &l.name) ||
             contains_ci(text, "Temporary failure in name resolution") ||
             contains_ci(text, "no servers could be reached")) {
    l.failure = Failure::timeout;
  }
  return l;
}

bool is_dns_pod(const json& pod) {
  return str(at_path(pod, {"metadata"}), "namespace") == "kube-system" &&
         str(at_path(pod, {"metadata", "labels"}), "k8s-app") == kDnsLabel;
}

std::vector<const json*> dns_pods(const ClusterCtx& ctx) {
  std::vector<const json*> out;
  for (const auto& [key, p] : ctx.pods())
    if (is_dns_pod(*p)) out.push_back(p);
  return out;
}

// Every line of a pod's logs worth reading for DNS (tail, error and network lines), then events.
Lines pod_lines(const ClusterCtx& ctx, const PodView& pv) {
  Lines out;
  std::set<std::string> seen;
  auto add = [&](const std::string& text, const std::string& where) {
    if (seen.insert(text).second) out.emplace_back(text, where);
  };
  for (const auto& [path, log] : ctx.c.logs) {
    if (log.ns != pv.ns || log.pod != pv.name) continue;
    for (const auto& e : log.errors) add(e.text, path);
    for (const auto& e : log.network) add(e.text, path);
    for (const auto& t : log.tail) add(t, path);
  }
  for (const json* ev : ctx.events_for("Pod", pv.ns, pv.name))
    add(str(*ev, "message"), "event " + str(*ev, "reason"));
  return out;
}

bool uses_cluster_dns(const json& pod) {
  const std::string policy = str(at_path(pod, {"spec"}), "dnsPolicy");
  const bool host_net = at_path(pod, {"spec", "hostNetwork"}) == true;
  return policy.empty() || policy == "ClusterFirstWithHostNet" ||
         (policy == "ClusterFirst" && !host_net);
}

// A name missing-service speaks for: a bare name or one in the cluster domain.
bool cluster_name(const std::string& name) {
  return name.find('.') == std::string::npos || name.find(".svc") != std::string::npos ||
         name.find("cluster.local") != std::string::npos;
}

std::string cluster_dns_ip(const ServiceRef* dns) {
  return dns == nullptr ? std::string() : str(at_path(*dns->svc, {"spec"}), "clusterIP");
}

// NetworkPolicies of the namespace that restrict the pod's egress (DNS needs port 53 allowed).
std::vector<std::string> egress_policies(const ClusterCtx& ctx, const PodView& pv) {
  std::vector<std::string> out;
  for (const auto& np : ctx.c.items("networkpolicies.networking.k8s.io")) {
    if (str(at_path(np, {"metadata"}), "namespace") != pv.ns) continue;
    const json& types = at_path(np, {"spec", "policyTypes"});
    if (!types.is_array() || std::find(types.begin(), types.end(), "Egress") == types.end())
      continue;
    const json& match = at_path(np, {"spec", "podSelector", "matchLabels"});
    const bool all = at_path(np, {"spec", "podSelector"}).empty() ||
                     (match.is_object() && match.empty() &&
                      !at_path(np, {"spec", "podSelector"}).contains("matchExpressions"));
    if (all || selector_matches(match, at_path(pv.pod, {"metadata", "labels"})))
      out.push_back("NetworkPolicy " + str(at_path(np, {"metadata"}), "name") +
                    " restricts this pod's egress (DNS needs UDP and TCP 53 to kube-system)");
  }
  return out;
}

struct Acc {
  std::set<std::string> names, servers;
  std::vector<std::string> lines;
  std::size_t count = 0;
};

std::string names_text(const std::set<std::string>& names) {
  std::vector<std::string> v(names.begin(), names.end());
  if (v.size() > 3) v.resize(3), v.push_back("...");
  return v.empty() ? std::string("names") : join(v, ", ");
}

void explain_transport(const ClusterCtx& ctx, const PodView& pv, Failure kind, bool dns_ready,
                       Finding& f) {
  const std::string check = "kubectl run dnscheck -n " + pv.ns +
                            " --rm -it --restart=Never --image=busybox:1.36 -- nslookup "
                            "kubernetes.default";
  if (kind == Failure::servfail) {
    f.cause =
        "The cluster DNS answers SERVFAIL: CoreDNS cannot resolve these names itself, most "
        "often because its upstream resolver does not answer (see CoreDNS's log).";
    f.next_step = "kubectl -n kube-system logs -l k8s-app=kube-dns | grep ERROR; " + check;
  } else if (!dns_ready) {
    f.cause =
        "No CoreDNS pod is ready, so lookups against the cluster DNS time out; this "
        "workload fails because of it.";
    f.next_step = "Fix CoreDNS first (see its finding); this one should recover once it is ready.";
  } else {
    const auto policies = egress_policies(ctx, pv);
    f.evidence.insert(f.evidence.end(), policies.begin(), policies.end());
    f.cause = policies.empty()
                  ? "CoreDNS is ready but the queries get no answer: the path from this pod to "
                    "the DNS Service (kube-proxy, the CNI on the node) drops them."
                  : "CoreDNS is ready but the queries get no answer: a NetworkPolicy restricts "
                    "this pod's egress and does not allow port 53.";
    f.next_step = check + (policies.empty() ? "; kubectl -n kube-system get pods -o wide "
                                              "(kube-proxy and CNI pods on the pod's node)"
                                            : "; allow egress to kube-system on UDP/TCP 53");
  }
}

}  // namespace

bool is_cluster_dns(const ServiceRef& s) {
  return s.ns == "kube-system" &&
         (s.name == kDnsLabel ||
          str(at_path(*s.svc, {"metadata", "labels"}), "k8s-app") == kDnsLabel);
}

const ServiceRef* cluster_dns_service(const ClusterCtx& ctx) {
  for (const auto& s : ctx.services())
    if (is_cluster_dns(s)) return &s;
  return nullptr;
}

bool is_dns_transport_failure(const std::string& text) {
  const Failure f = parse_lookup(text).failure;
  return f == Failure::timeout || f == Failure::unreachable || f == Failure::servfail;
}

void cluster_dns_down(const ClusterCtx& ctx, Out& out) {
  if (ctx.c.lists.count("pods") == 0) return;
  const ServiceRef* svc = cluster_dns_service(ctx);
  const auto pods = dns_pods(ctx);
  if (svc == nullptr && pods.empty()) return;  // not a CoreDNS/kube-dns cluster
  // No CoreDNS pod among kube-system pods that were gathered; no kube-system pod: not gathered.
  const bool system_seen = std::any_of(ctx.pods().begin(), ctx.pods().end(), [](const auto& kv) {
    return str(at_path(*kv.second, {"metadata"}), "namespace") == "kube-system";
  });
  if (!system_seen) return;
  const auto ready = static_cast<std::size_t>(
      std::count_if(pods.begin(), pods.end(), [](const json* p) { return pod_ready(*p); }));
  const SliceSummary slices =
      svc == nullptr ? SliceSummary{} : endpoint_slices(ctx, svc->ns, svc->name);
  const bool slices_empty = slices.known && !slices.names.empty() && slices.ready == 0;
  if (ready > 0 && !slices_empty) return;
  Candidate c = svc != nullptr
                    ? make_obj(ctx, *svc->svc, "Service", "cluster-dns-down", Severity::error)
                    : make_obj(ctx, *pods.front(), "Pod", "cluster-dns-down", Severity::error);
  c.f.title = pods.empty() ? "Cluster DNS is down: no CoreDNS pod exists"
                           : "Cluster DNS is down: " + std::to_string(ready) + "/" +
                                 std::to_string(pods.size()) + " CoreDNS pods ready";
  for (const json* p : pods) {
    c.f.evidence.push_back("CoreDNS: " + pod_state(ctx, *p));
    c.f.depends_on.push_back(pod_ref(ctx, *p));
  }
  for (const auto& d : ctx.c.items("deployments.apps"))
    if (str(at_path(d, {"metadata"}), "namespace") == "kube-system" &&
        str(at_path(d, {"spec", "template", "metadata", "labels"}), "k8s-app") == kDnsLabel)
      c.f.evidence.push_back("Deployment " + str(at_path(d, {"metadata"}), "name") +
                             ": spec.replicas " + std::to_string(num(d, {"spec", "replicas"}, 1)) +
                             ", readyReplicas " +
                             std::to_string(num(d, {"status", "readyReplicas"})));
  if (svc != nullptr && slices.known) c.f.evidence.push_back(slice_evidence(slices, svc->name));
  c.f.cause =
      "Pods resolve names through the cluster DNS Service" +
      (svc != nullptr ? " " + svc->name + " (" + cluster_dns_ip(svc) + ")" : std::string()) +
      ", which has no ready CoreDNS pod behind it: every lookup times out, so any "
      "workload that resolves a name fails.";
  c.f.next_step =
      pods.empty()
          ? "kubectl -n kube-system get deploy -l k8s-app=kube-dns; kubectl -n kube-system scale "
            "deployment coredns --replicas=2"
          : "kubectl -n kube-system describe pods -l k8s-app=kube-dns; kubectl -n kube-system "
            "logs -l k8s-app=kube-dns --previous";
  out.push_back(std::move(c));
}

void dns_lookup_failure(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  if (is_dns_pod(pv.pod)) return;  // CoreDNS's own lines are dns-upstream's
  const ServiceRef* dns = cluster_dns_service(ctx);
  const std::string dns_ip = cluster_dns_ip(dns);
  std::map<Failure, Acc> found;
  for (const auto& [text, where] : pod_lines(ctx, pv)) {
    const Lookup l = parse_lookup(text);
    if (l.failure == Failure::none || (l.failure == Failure::nxdomain && cluster_name(l.name)))
      continue;
    const bool to_cluster = l.server.empty() ? uses_cluster_dns(pv.pod) : l.server == dns_ip;
    Acc& a = found[l.failure];
    if (!l.name.empty()) a.names.insert(l.name);
    a.servers.insert(to_cluster ? "cluster" : l.server);
    if (a.lines.size() < 3) a.lines.push_back(one_line(text) + " [" + where + "]");
    ++a.count;
  }
  const auto pods = dns_pods(ctx);
  const bool dns_ready = pods.empty() || std::any_of(pods.begin(), pods.end(),
                                                     [](const json* p) { return pod_ready(*p); });
  for (auto& [kind, a] : found) {
    const bool to_cluster = a.servers.count("cluster") > 0;
    const std::string server =
        to_cluster ? "the cluster DNS" + (dns_ip.empty() ? "" : " " + dns_ip) : *a.servers.begin();
    const bool nx = kind == Failure::nxdomain;
    Candidate c = make(ctx, pv, "dns-lookup-failure", nx ? Severity::warning : Severity::error,
                       nx                          ? "nxdomain"
                       : kind == Failure::servfail ? "servfail"
                                                   : "unanswered");
    const std::string names = names_text(a.names);
    c.f.title = nx ? pv.owner.name + " looks up " + names + ", which does not exist (no such host)"
                : kind == Failure::servfail
                    ? pv.owner.name + " cannot resolve " + names + ": " + server +
                          " answers SERVFAIL (server misbehaving)"
                    : pv.owner.name + " cannot resolve " + names + ": lookups to " + server +
                          (kind == Failure::timeout ? " time out" : " cannot be sent");
    c.f.evidence = a.lines;
    if (a.count > a.lines.size())
      c.f.evidence.push_back("(" + std::to_string(a.count) + " such lines)");
    if (nx) {
      c.f.cause = "The DNS answers that " + names +
                  " does not exist: a typo in the address, or a "
                  "name only resolvable outside the cluster.";
      c.f.next_step = "Check the host name in the workload's configuration.";
    } else {
      if (to_cluster && dns != nullptr)
        c.f.depends_on.push_back(ObjectRef{ctx.c.name, dns->ns, "Service", dns->name});
      explain_transport(ctx, pv, kind, dns_ready, c.f);
    }
    out.push_back(std::move(c));
  }
}

void dns_upstream(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  static const RE2 err(R"(plugin/errors: \d+ (\S+) [A-Z]+: (.*))");
  static const RE2 upstream(R"((?:->|dial (?:udp|tcp) )(\[[0-9a-fA-F:]+\]|[0-9.]+):53\b)");
  std::map<std::string, Acc> by_upstream;
  for (const auto& [text, where] : pod_lines(ctx, pv)) {
    std::string name, rest, server;
    if (!RE2::PartialMatch(text, err, &name, &rest) || !RE2::PartialMatch(rest, upstream, &server))
      continue;
    const Failure f = classify(rest);
    if (f != Failure::timeout && f != Failure::unreachable) continue;
    Acc& a = by_upstream[server];
    a.names.insert(name);
    if (a.lines.size() < 3) a.lines.push_back(one_line(text) + " [" + where + "]");
    ++a.count;
  }
  for (auto& [server, a] : by_upstream) {
    Candidate c = make(ctx, pv, "dns-upstream", Severity::error, "upstream-" + server);
    c.f.title = pv.owner.name + " cannot reach its upstream DNS server " + server + " (" +
                (contains_ci(a.lines.front(), "timeout") ? "i/o timeout" : "unreachable") + ")";
    c.f.evidence = a.lines;
    if (a.count > a.lines.size())
      c.f.evidence.push_back("(" + std::to_string(a.count) + " such lines)");
    c.f.cause = "CoreDNS forwards names outside the cluster (forward . /etc/resolv.conf) to " +
                server + ", which does not answer: external names (" + names_text(a.names) +
                ") fail in every pod with SERVFAIL (\"server misbehaving\").";
    c.f.next_step = ctx.node_shell_step(pv.node, "cat /etc/resolv.conf") +
                    "; kubectl -n kube-system get configmap coredns -o yaml (the forward line); "
                    "check the host's DNS, VPN or firewall";
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
