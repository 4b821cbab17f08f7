// A Service of type LoadBalancer that has no status.loadBalancer.ingress. On a cloud the cloud
// controller manager's service controller assigns one (events EnsuringLoadBalancer,
// EnsuredLoadBalancer, SyncLoadBalancerFailed "Error syncing load balancer: ..."); on Kind,
// minikube and bare clusters nothing does unless cloud-provider-kind, MetalLB (events
// IPAllocated / AllocationFailed), k3s's servicelb or `minikube tunnel` runs.
#include <algorithm>
#include <string>
#include <utility>

#include "report/detectors/common.h"
#include "report/detectors/services.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

// Younger than this, a pending address is the controller still working.
constexpr std::int64_t kGraceSeconds = 120;

bool is_lb(const json& svc) { return str(at_path(svc, {"spec"}), "type") == "LoadBalancer"; }

bool has_ingress(const json& svc) {
  const json& ingress = at_path(svc, {"status", "loadBalancer", "ingress"});
  return ingress.is_array() && !ingress.empty();
}

// Pods of a load-balancer implementation running in the cluster.
std::string lb_controller_pod(const ClusterCtx& ctx) {
  for (const auto& [key, p] : ctx.pods()) {
    const std::string name = str(at_path(*p, {"metadata"}), "name");
    const std::string labels = at_path(*p, {"metadata", "labels"}).dump();
    for (const char* what : {"metallb", "cloud-provider-kind", "svclb-", "kube-vip-cloud-provider",
                             "cloud-controller-manager", "purelb", "openelb"})
      if (contains_ci(name, what) || contains_ci(labels, what)) return "pod " + key;
  }
  return {};
}

// What shows that something in this cluster hands out load-balancer addresses.
std::string lb_controller_sign(const ClusterCtx& ctx) {
  if (std::string pod = lb_controller_pod(ctx); !pod.empty()) return pod;
  for (const auto& s : ctx.services())
    if (is_lb(*s.svc) && has_ingress(*s.svc))
      return "Service " + s.ns + "/" + s.name + " of type LoadBalancer has an address";
  for (const auto& ev : ctx.c.events)
    for (const char* reason : {"EnsuringLoadBalancer", "EnsuredLoadBalancer",
                               "SyncLoadBalancerFailed", "IPAllocated", "AllocationFailed"})
      if (str(ev, "reason") == reason) return "events " + std::string(reason) + " exist";
  return {};
}

std::string no_controller_step(const ClusterCtx& ctx) {
  switch (ctx.profile.platform) {
    case Platform::kind:
      return "Nothing on Kind assigns LoadBalancer addresses by itself: run cloud-provider-kind on "
             "the host (go install sigs.k8s.io/cloud-provider-kind@latest; sudo "
             "cloud-provider-kind), or install MetalLB with an address pool in the Kind network, "
             "or use a NodePort / kubectl port-forward in the test.";
    case Platform::minikube:
      return "Run `minikube tunnel" +
             (ctx.profile.local_name.empty() ? std::string() : " -p " + ctx.profile.local_name) +
             "` while the test needs the address, or use a NodePort.";
    case Platform::k3d:
      return "k3s's servicelb gives the addresses: check it was not disabled (--disable=servicelb) "
             "and that its svclb-* pods run in kube-system.";
    default:
      return "Install a load-balancer controller (the cloud controller manager, MetalLB...) or use "
             "a NodePort / kubectl port-forward.";
  }
}

}  // namespace

void loadbalancer_pending(const ClusterCtx& ctx, Out& out) {
  std::string sign;
  bool sign_known = false;
  for (const auto& s : ctx.services()) {
    if (!is_lb(*s.svc) || has_ingress(*s.svc)) continue;
    const auto created = parse_rfc3339(str(at_path(*s.svc, {"metadata"}), "creationTimestamp"));
    std::int64_t age = -1;
    if (created && ctx.m.now && *ctx.m.now >= *created) age = (*ctx.m.now - *created) / 1000000000;
    if (age >= 0 && age < kGraceSeconds) continue;
    if (!sign_known) sign = lb_controller_sign(ctx), sign_known = true;
    Candidate c = make_obj(ctx, *s.svc, "Service", "loadbalancer-pending",
                           sign.empty() ? Severity::error : Severity::warning);
    c.f.title = "LoadBalancer Service " + s.name + " has no external address" +
                (age >= 0 ? " after " + short_duration(age) : "");
    c.f.evidence.push_back(
        "type LoadBalancer, status.loadBalancer.ingress is empty" +
        (age >= 0 ? " (created " + short_duration(age) + " before the gather)" : std::string()));
    const std::string lb_class = str(at_path(*s.svc, {"spec"}), "loadBalancerClass");
    if (!lb_class.empty()) c.f.evidence.push_back("spec.loadBalancerClass: " + lb_class);
    add_event_evidence(ctx.events_for("Service", s.ns, s.name), c.f,
                       {"EnsuringLoadBalancer", "SyncLoadBalancerFailed", "AllocationFailed",
                        "LoadBalancerUpdateFailed"});
    if (sign.empty()) {
      c.f.evidence.push_back(
          "no load-balancer controller in the cluster: no MetalLB or "
          "cloud-provider-kind pod, and no LoadBalancer Service has an address");
      c.f.cause = "Nothing in this cluster assigns addresses to LoadBalancer Services, so " +
                  s.name + " stays <pending> and clients waiting for its address time out.";
      c.f.next_step = no_controller_step(ctx);
    } else {
      c.f.evidence.push_back("a load-balancer controller exists: " + sign);
      c.f.cause = "The load-balancer controller has not given " + s.name +
                  " an address: see its events (SyncLoadBalancerFailed, AllocationFailed) and "
                  "logs" +
                  (lb_class.empty() ? "." : ", and whether it handles class " + lb_class + ".");
      c.f.next_step = "kubectl describe svc " + s.name + " -n " + s.ns +
                      "; check the controller's logs and its address pool.";
    }
    out.push_back(std::move(c));
  }
}

}  // namespace kmg::report::detect
