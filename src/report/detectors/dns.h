// Cluster DNS detectors: CoreDNS down, lookups that fail against it, and CoreDNS failing to reach
// its upstream resolvers.
#pragma once

#include <string>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void cluster_dns_down(const ClusterCtx& ctx, Out& out);
void dns_lookup_failure(const ClusterCtx& ctx, const PodView& pv, Out& out);
void dns_upstream(const ClusterCtx& ctx, const PodView& pv, Out& out);

// The cluster DNS Service (kube-system, label k8s-app=kube-dns), or null.
const ServiceRef* cluster_dns_service(const ClusterCtx& ctx);
bool is_cluster_dns(const ServiceRef& s);
// Whether a line is a name resolution that failed for a reason other than the name not existing
// (a timeout, an unreachable or misbehaving server): dns_lookup_failure reports it, not the
// connection detectors, even when the name is a Service's.
bool is_dns_transport_failure(const std::string& text);

}  // namespace kmg::report::detect
