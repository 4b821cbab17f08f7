// The Kubernetes objects (and HTTP operations) a test result names, so that a failed test can be
// linked to the findings on those objects. Read from the forms real tools write: kubectl's
// resource/name ("timed out waiting for the condition on pods/web-7d4b9-x2x9z",
// "deployment.apps/web"), the API server's quoted names (`deployments.apps "web" not found`,
// `deployment "web" exceeded its progress deadline`, pod="ns/name"), namespaces (`-n ns`,
// `in namespace "ns"`), in-cluster host names (web.ns.svc.cluster.local:8080), API paths
// (/api/v1/namespaces/ns/pods/web), admission webhooks (`failed calling webhook "name"`,
// `no endpoints available for service "svc"`) and HTTP requests (`GET /api/items`,
// Go's `Get "http://host/path"`).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report/model.h"

namespace kmg::report {

struct Mention {
  // Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, Service, Endpoints,
  // EndpointSlice, Ingress, ConfigMap, Secret, ServiceAccount, PersistentVolumeClaim,
  // PersistentVolume, StorageClass, Node, Namespace, HorizontalPodAutoscaler,
  // CustomResourceDefinition, APIService, ValidatingWebhookConfiguration,
  // MutatingWebhookConfiguration; Webhook (a webhook's own name inside a configuration);
  // Operation (name "METHOD /path", to match a trace's operation).
  std::string kind;
  std::string ns;  // empty when the text does not say (or the kind has none)
  std::string name;
  std::string text;  // the substring the mention was read from

  bool operator==(const Mention&) const = default;
};

// The mentions in a test's name, classname and failure text (detail, else message), in the order
// they first appear, each (kind, ns, name) once. A mention without a namespace is dropped when
// the same object is also mentioned with one; when the test names exactly one namespace,
// namespaced mentions without one are placed in it.
std::vector<Mention> test_mentions(const TestCase& c);

// The same on any text (a log line, an event message).
std::vector<Mention> text_mentions(std::string_view text);

}  // namespace kmg::report
