// Network and Service detectors.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

// Pod scope (services.cpp): a connection to a Service fails, a Service looked up does not exist.
void dependency(const ClusterCtx& ctx, const PodView& pv, Out& out);
void missing_service(const ClusterCtx& ctx, const PodView& pv, Out& out);

// Cluster scope (services_backends.cpp): what is wrong between a Service and its pods.
void service_selects_nothing(const ClusterCtx& ctx, Out& out);
void service_not_ready(const ClusterCtx& ctx, Out& out);
void service_port_mismatch(const ClusterCtx& ctx, Out& out);

// Cluster scope (services_lb.cpp): a LoadBalancer Service nothing gives an address to.
void loadbalancer_pending(const ClusterCtx& ctx, Out& out);

// What the EndpointSlices of a Service (label kubernetes.io/service-name) say; `known` is false
// when the EndpointSlice list was not gathered.
struct SliceSummary {
  bool known = false;
  std::vector<std::string> names;
  std::size_t endpoints = 0, ready = 0;
};
SliceSummary endpoint_slices(const ClusterCtx& ctx, const std::string& ns, const std::string& svc);
// "EndpointSlice web-x7k2p: 2 endpoints, none ready", or "no EndpointSlice for Service web".
std::string slice_evidence(const SliceSummary& s, const std::string& svc);

}  // namespace kmg::report::detect
