#include "report/detectors/registry.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "report/detectors/admission.h"
#include "report/detectors/cluster.h"
#include "report/detectors/common.h"
#include "report/detectors/custom_resources.h"
#include "report/detectors/dns.h"
#include "report/detectors/images.h"
#include "report/detectors/node_images.h"
#include "report/detectors/nodes.h"
#include "report/detectors/pods.h"
#include "report/detectors/rbac.h"
#include "report/detectors/scheduling.h"
#include "report/detectors/services.h"
#include "report/detectors/storage.h"
#include "report/detectors/traces.h"
#include "report/detectors/workloads.h"
#include "util/text.h"

namespace kmg::report::detect {

const std::vector<Detector>& all_detectors() {
  // Pod detectors run in this order on each pod; fallbacks only when none before found anything.
  static const std::vector<Detector> table = {
      // cluster
      {"no-clusters", Role::cause, {}, no_clusters},
      {"api-unreachable", Role::cause, {}, api_unreachable},
      {"cluster-deleted", Role::cause, {"nodes"}, cluster_deleted},
      // nodes
      {"node-not-ready", Role::cause, {"nodes"}, node_not_ready},
      {"node-pressure", Role::cause, {"nodes"}, node_pressure},
      {"node-network-not-ready", Role::cause, {"nodes"}, node_network_not_ready},
      // scheduling and storage
      {"unschedulable", Role::cause, {"nodes"}, unschedulable_pod},
      {"mount-failure", Role::cause, {}, mount_failure},
      {"pvc-pending",
       Role::cause,
       {"persistentvolumeclaims", "persistentvolumes", "storageclasses.storage.k8s.io"},
       pvc_pending},
      {"pod-sandbox", Role::cause, {"nodes"}, pod_sandbox},
      // images
      {"image-not-loaded", Role::cause, {"nodes"}, image_not_loaded},
      {"image-pull", Role::cause, {"nodes"}, image_pull},
      {"invalid-image-name", Role::cause, {}, invalid_image_name},
      {"node-image-missing", Role::cause, {}, node_image_missing},
      // pods and containers
      {"evicted", Role::cause, {}, evicted},
      {"crash-loop", Role::cause, {"services"}, crash_loop},
      {"oom-killed", Role::cause, {}, oom_killed},
      {"container-config", Role::cause, {}, container_config},
      {"probe-failure", Role::cause, {"services"}, probe_failure},
      // network and services
      {"dependency", Role::consequence, {"services"}, dependency},
      {"missing-service", Role::consequence, {"services"}, missing_service},
      {"dns-lookup-failure",
       Role::consequence,
       {"services", "networkpolicies.networking.k8s.io"},
       dns_lookup_failure},
      {"dns-upstream", Role::cause, {}, dns_upstream},
      {"not-ready", Role::fallback, {}, not_ready},
      // Services, load balancers and the cluster DNS
      {"service-selects-nothing",
       Role::cause,
       {"services", "endpointslices.discovery.k8s.io", "deployments.apps", "statefulsets.apps",
        "daemonsets.apps"},
       service_selects_nothing},
      {"service-not-ready",
       Role::consequence,
       {"services", "endpointslices.discovery.k8s.io"},
       service_not_ready},
      {"service-port-mismatch", Role::cause, {"services"}, service_port_mismatch},
      {"loadbalancer-pending", Role::cause, {"services"}, loadbalancer_pending},
      {"cluster-dns-down",
       Role::cause,
       {"services", "endpointslices.discovery.k8s.io", "deployments.apps"},
       cluster_dns_down},
      // workloads
      {"deployment-stalled", Role::summary, {"deployments.apps"}, deployment_stalled},
      {"deployment-unavailable", Role::rollup, {"deployments.apps"}, deployment_unavailable},
      {"job-failed", Role::summary, {"jobs.batch"}, job_failed},
      {"statefulset-not-ready", Role::rollup, {"statefulsets.apps"}, statefulset_not_ready},
      {"daemonset-not-ready", Role::rollup, {"daemonsets.apps"}, daemonset_not_ready},
      {"cronjob-failing", Role::summary, {"cronjobs.batch", "jobs.batch"}, cronjob_failing},
      {"cronjob-not-scheduling", Role::cause, {"cronjobs.batch"}, cronjob_not_scheduling},
      {"hpa-failing",
       Role::cause,
       {"horizontalpodautoscalers.autoscaling", "apiservices.apiregistration.k8s.io"},
       hpa_failing},
      // admission: the pods a controller creates are refused
      {"quota-exceeded", Role::cause, {"resourcequotas"}, quota_exceeded},
      {"limitrange-violation", Role::cause, {"limitranges"}, limitrange_violation},
      {"podsecurity-violation", Role::cause, {"namespaces"}, podsecurity_violation},
      {"missing-serviceaccount", Role::cause, {"serviceaccounts"}, missing_serviceaccount},
      {"namespace-terminating", Role::cause, {"namespaces"}, namespace_terminating},
      {"pods-blocked-by-webhook", Role::consequence, {}, pods_blocked_by_webhook},
      {"pods-not-created", Role::cause, {}, pods_not_created},
      {"webhook-failure",
       Role::cause,
       {"validatingwebhookconfigurations.admissionregistration.k8s.io",
        "mutatingwebhookconfigurations.admissionregistration.k8s.io"},
       webhook_failure},
      // access and APIs
      {"rbac-forbidden", Role::cause, {}, rbac_forbidden},
      {"missing-crd", Role::cause, {"customresourcedefinitions.apiextensions.k8s.io"}, missing_crd},
      {"apiservice-unavailable",
       Role::cause,
       {"apiservices.apiregistration.k8s.io"},
       apiservice_unavailable},
      // custom resources and traces
      {"custom-resource", Role::cause, {}, custom_resource},
      {"trace-errors", Role::consequence, {}, trace_errors},
  };
  return table;
}

const Detector* find_detector(std::string_view name) {
  for (const auto& d : all_detectors())
    if (d.name == name) return &d;
  return nullptr;
}

bool list_is_read(const std::string& key) {
  // The cluster indexes (ClusterCtx) read pods, ReplicaSets and Services for every detector.
  static const std::set<std::string> read = [] {
    // The cause graph follows admission webhooks to their Services.
    std::set<std::string> s{"pods",
                            "replicasets.apps",
                            "services",
                            "nodes",
                            "validatingwebhookconfigurations.admissionregistration.k8s.io",
                            "mutatingwebhookconfigurations.admissionregistration.k8s.io"};
    for (const auto& d : all_detectors())
      for (const auto& l : d.lists) s.emplace(l);
    return s;
  }();
  return read.count(key) > 0;
}

}  // namespace kmg::report::detect
