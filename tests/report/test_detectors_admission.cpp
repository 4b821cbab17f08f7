// Admission refusals (ResourceQuota, LimitRange, PodSecurity, ServiceAccount, namespace
// lifecycle), admission webhooks followed to their pods, CronJobs and HorizontalPodAutoscalers, on
// in-memory Models with the messages of the Kubernetes sources.
#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "model_fixture.h"
#include "report/analyze.h"

using kmg::testing::finding;
using kmg::testing::ModelFixture;
using kmg::testing::text_of;
using nlohmann::json;

namespace {

json event(const std::string& kind, const std::string& ns, const std::string& name,
           const std::string& reason, const std::string& message, long count = 1) {
  return json{{"involvedObject", {{"kind", kind}, {"namespace", ns}, {"name", name}}},
              {"reason", reason},
              {"message", message},
              {"count", count},
              {"type", "Warning"}};
}

json meta(const std::string& ns, const std::string& name) {
  return json{{"namespace", ns}, {"name", name}};
}

json owned(const std::string& ns, const std::string& name, const std::string& kind,
           const std::string& owner) {
  json md = meta(ns, name);
  md["ownerReferences"] = json::array({{{"kind", kind}, {"name", owner}, {"controller", true}}});
  return md;
}

// Deployment `name` with ReplicaSet `name-5c7d9f8b6d`, none of its replicas available.
ModelFixture deployment(const std::string& ns, const std::string& name) {
  ModelFixture m;
  m.list("deployments.apps",
         json::array(
             {{{"metadata", meta(ns, name)},
               {"spec",
                {{"replicas", 2}, {"template", {{"metadata", {{"labels", {{"app", name}}}}}}}}},
               {"status", {{"unavailableReplicas", 2}}}}}));
  m.list("replicasets.apps",
         json::array({{{"metadata", owned(ns, name + "-5c7d9f8b6d", "Deployment", name)}}}));
  return m;
}

std::string rs_error(const std::string& name, const std::string& why) {
  return "Error creating: pods \"" + name + "-5c7d9f8b6d-x2x4k\" is forbidden: " + why;
}

const kmg::report::Finding* by_detector(const kmg::report::Analysis& a, const std::string& d) {
  for (const auto& f : a.findings)
    if (f.detector == d) return &f;
  return nullptr;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a quota refusal of a ReplicaSet is a finding on its Deployment, with the quota") {
    ModelFixture m = deployment("shop", "cart");
    m.list(
        "resourcequotas",
        json::array({{{"metadata", meta("shop", "compute")},
                      {"status",
                       {{"hard", {{"requests.cpu", "2"}}}, {"used", {{"requests.cpu", "2"}}}}}}}));
    m.events(json::array({event("ReplicaSet", "shop", "cart-5c7d9f8b6d", "FailedCreate",
                                rs_error("cart",
                                         "exceeded quota: compute, requested: "
                                         "requests.cpu=500m, used: requests.cpu=2, "
                                         "limited: requests.cpu=2"),
                                14)}));
    const auto fs = m.run("quota-exceeded");
    REQUIRE(fs.size() == 1);
    const auto& f = finding(fs, "quota-exceeded", "cart");
    CHECK(f.object.kind == "Deployment");
    CHECK(f.title ==
          "Deployment cart cannot create pods: ResourceQuota compute exceeded "
          "(requests.cpu=2)");
    CHECK(has(f.evidence,
              "requested requests.cpu=500m, used requests.cpu=2, limited "
              "requests.cpu=2"));
    CHECK(text_of(f).find("(x14)") != std::string::npos);
    CHECK(text_of(f).find("ResourceQuota compute: hard requests.cpu=2") != std::string::npos);
    CHECK(m.run("pods-not-created").empty());

    // The Deployment's unavailable replicas follow from the refusal.
    const auto a = kmg::report::analyze(m.model);
    const auto* quota = by_detector(a, "quota-exceeded");
    const auto* summary = by_detector(a, "deployment-unavailable");
    REQUIRE(quota != nullptr);
    REQUIRE(summary != nullptr);
    CHECK(quota->root_cause);
    CHECK(has(summary->caused_by, quota->id));
  }

  TEST_CASE("quota variants: capitalised, escaped quotes, must specify; a Job's own quota") {
    ModelFixture m;
    m.list("jobs.batch", json::array({{{"metadata", meta("etl", "nightly")}}}));
    m.events(json::array(
        {event("Job", "etl", "nightly", "FailedCreate",
               "Error creating: pods \\\"nightly-8xq2p\\\" is forbidden: Exceeded quota: "
               "batch-q, requested: pods=1, used: pods=10, limited: pods=10"),
         event("Job", "etl", "loader", "FailedCreate",
               "Error creating: pods \"loader-4kd9s\" is forbidden: failed quota: mem-q: must "
               "specify limits.memory,requests.memory")}));
    const auto fs = m.run("quota-exceeded");
    REQUIRE(fs.size() == 2);
    CHECK(finding(fs, "quota-exceeded", "nightly").title.find("batch-q exceeded (pods=10)") !=
          std::string::npos);
    const auto& must = finding(fs, "quota-exceeded", "loader");
    CHECK(must.title ==
          "Job loader cannot create pods: ResourceQuota mem-q requires "
          "limits.memory,requests.memory");
    CHECK(must.cause.find("must declare") != std::string::npos);
  }

  TEST_CASE("LimitRange refusals: maximum, minimum without request, ratio") {
    ModelFixture m;
    m.list(
        "limitranges",
        json::array({{{"metadata", meta("lab", "bounds")},
                      {"spec",
                       {{"limits",
                         json::array({{{"type", "Container"}, {"max", {{"cpu", "500m"}}}}})}}}}}));
    m.list("statefulsets.apps", json::array({{{"metadata", meta("lab", "db")}}}));
    m.list("daemonsets.apps", json::array({{{"metadata", meta("lab", "agent")}}}));
    m.events(json::array(
        {event("StatefulSet", "lab", "db", "FailedCreate",
               "create Pod db-0 in StatefulSet db failed error: pods \"db-0\" is forbidden: "
               "maximum cpu usage per Container is 500m, but limit is 2."),
         event("DaemonSet", "lab", "agent", "FailedCreate",
               "Error creating: pods \"agent-7hn2c\" is forbidden: [minimum memory usage per "
               "Pod is 64Mi.  No request is specified, memory max limit to request ratio per "
               "Container is 2, but provided ratio is 4.000000]")}));
    const auto fs = m.run("limitrange-violation");
    REQUIRE(fs.size() == 2);
    const auto& db = finding(fs, "limitrange-violation", "db");
    CHECK(db.title ==
          "StatefulSet db cannot create pods: LimitRange maximum cpu usage per "
          "Container is 500m, but limit is 2");
    CHECK(has(db.evidence, "LimitRange bounds Container: max {cpu=500m}"));
    CHECK(finding(fs, "limitrange-violation", "agent").title.find("minimum memory usage per Pod") !=
          std::string::npos);
  }

  TEST_CASE("a PodSecurity refusal names the level, the violations and the namespace labels") {
    ModelFixture m = deployment("secure", "api");
    m.list("namespaces",
           json::array({{{"metadata",
                          {{"name", "secure"},
                           {"labels",
                            {{"kubernetes.io/metadata.name", "secure"},
                             {"pod-security.kubernetes.io/enforce", "restricted"}}}}}}}));
    m.events(json::array(
        {event("ReplicaSet", "secure", "api-5c7d9f8b6d", "FailedCreate",
               rs_error("api",
                        "violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation "
                        "!= false (container \"api\" must set "
                        "securityContext.allowPrivilegeEscalation=false), runAsNonRoot != true "
                        "(pod or container \"api\" must set securityContext.runAsNonRoot=true)"),
               6)}));
    const auto fs = m.run("podsecurity-violation");
    const auto& f = finding(fs, "podsecurity-violation", "api");
    CHECK(f.title ==
          "Deployment api cannot create pods: they violate PodSecurity \"restricted:latest\"");
    CHECK(text_of(f).find("pod-security.kubernetes.io/enforce=restricted") != std::string::npos);
    CHECK(text_of(f).find("runAsNonRoot != true") != std::string::npos);
  }

  TEST_CASE("a missing ServiceAccount, and one created since") {
    ModelFixture m = deployment("ops", "relay");
    m.events(
        json::array({event("ReplicaSet", "ops", "relay-5c7d9f8b6d", "FailedCreate",
                           rs_error("relay",
                                    "error looking up service account ops/relay-sa: serviceaccount "
                                    "\"relay-sa\" not found"))}));
    const auto fs = m.run("missing-serviceaccount");
    const auto& f = finding(fs, "missing-serviceaccount", "relay");
    CHECK(f.title ==
          "Deployment relay cannot create pods: ServiceAccount ops/relay-sa does not "
          "exist");
    CHECK(f.next_step.find("kubectl create serviceaccount relay-sa -n ops") != std::string::npos);
    CHECK(text_of(f).find("no ServiceAccount relay-sa") != std::string::npos);
    m.list("serviceaccounts", json::array({{{"metadata", meta("ops", "relay-sa")}}}));
    const auto later = m.run("missing-serviceaccount");
    CHECK(text_of(finding(later, "missing-serviceaccount", "relay")).find("exists now") !=
          std::string::npos);
  }

  TEST_CASE("a terminating namespace, read from a ReplicaFailure condition without events") {
    ModelFixture m;
    m.list(
        "replicasets.apps",
        json::array(
            {{{"metadata", owned("old", "web-6b8c7d9f5", "Deployment", "web")},
              {"status",
               {{"conditions", json::array({{{"type", "ReplicaFailure"},
                                             {"status", "True"},
                                             {"reason", "FailedCreate"},
                                             {"message",
                                              "pods \"web-6b8c7d9f5-abcde\" is forbidden: unable "
                                              "to create new content in namespace old because it "
                                              "is being terminated"}}})}}}}}));
    m.list("namespaces",
           json::array(
               {{{"metadata", {{"name", "old"}, {"deletionTimestamp", "2026-02-04T10:11:00Z"}}},
                 {"status",
                  {{"phase", "Terminating"},
                   {"conditions", json::array({{{"type", "NamespaceFinalizersRemaining"},
                                                {"status", "True"},
                                                {"reason", "SomeFinalizersRemain"},
                                                {"message",
                                                 "Some content in the "
                                                 "namespace has finalizers "
                                                 "remaining"}}})}}}}}));
    const auto fs = m.run("namespace-terminating");
    const auto& f = finding(fs, "namespace-terminating", "web");
    CHECK(f.object.kind == "Deployment");
    CHECK(f.title == "Deployment web cannot create pods: namespace old is being deleted");
    CHECK(text_of(f).find("NamespaceFinalizersRemaining=True SomeFinalizersRemain") !=
          std::string::npos);
  }

  TEST_CASE("other refusals are pods-not-created; created pods and other reasons are nothing") {
    ModelFixture m;
    m.events(json::array(
        {event("Job", "ci", "smoke", "FailedCreate",
               "Error creating: Timeout: request did not complete within requested timeout"),
         event("Job", "ci", "fine", "SuccessfulCreate", "Created pod: fine-2x9kd"),
         event("Job", "ci", "other", "BackoffLimitExceeded",
               "exceeded quota: x, requested: "
               "a=1, used: a=1, limited: a=1")}));
    const auto fs = m.run("pods-not-created");
    REQUIRE(fs.size() == 1);
    CHECK(fs[0].title == "Job smoke cannot create its pods");
    CHECK(m.run("quota-exceeded").empty());
  }

  TEST_CASE("a webhook without endpoints is explained by its pods, and blocks a workload") {
    ModelFixture m = deployment("shop", "cart");
    m.list("validatingwebhookconfigurations.admissionregistration.k8s.io",
           json::array({{{"metadata", {{"name", "guard-cfg"}}},
                         {"webhooks", json::array({{{"name", "pods.guard.example.io"},
                                                    {"failurePolicy", "Fail"},
                                                    {"clientConfig",
                                                     {{"service",
                                                       {{"namespace", "guard"},
                                                        {"name", "guard-svc"},
                                                        {"path", "/validate"},
                                                        {"port", 443}}}}}}})}}}));
    m.list("services", json::array({{{"metadata", meta("guard", "guard-svc")},
                                     {"spec", {{"selector", {{"app", "guard"}}}}}}}));
    m.list("pods",
           json::array(
               {{{"metadata",
                  {{"namespace", "guard"}, {"name", "guard-0"}, {"labels", {{"app", "guard"}}}}},
                 {"status",
                  {{"phase", "Pending"},
                   {"conditions", json::array({{{"type", "PodScheduled"},
                                                {"status", "False"},
                                                {"reason", "Unschedulable"},
                                                {"message",
                                                 "0/1 nodes are available: "
                                                 "1 Insufficient cpu."}}})}}}}}));
    m.events(json::array({event(
        "ReplicaSet", "shop", "cart-5c7d9f8b6d", "FailedCreate",
        "Error creating: Internal error occurred: failed calling webhook "
        "\"pods.guard.example.io\": failed to call webhook: Post "
        "\"https://guard-svc.guard.svc:443/validate?timeout=10s\": no endpoints available for "
        "service \"guard-svc\"",
        9)}));
    const auto fs = m.run("webhook-failure");
    const auto& hook = finding(fs, "webhook-failure", "pods.guard.example.io");
    CHECK(hook.title ==
          "Admission webhook pods.guard.example.io cannot be called: its Service "
          "has no ready endpoints");
    CHECK(text_of(hook).find("ValidatingWebhookConfiguration guard-cfg: webhook "
                             "pods.guard.example.io calls Service guard/guard-svc port 443 path "
                             "/validate, failurePolicy Fail") != std::string::npos);
    CHECK(text_of(hook).find("behind Service guard/guard-svc: guard-0 is Pending") !=
          std::string::npos);

    const auto a = kmg::report::analyze(m.model);
    const auto* root = by_detector(a, "unschedulable");
    const auto* webhook = by_detector(a, "webhook-failure");
    const auto* blocked = by_detector(a, "pods-blocked-by-webhook");
    REQUIRE(root != nullptr);
    REQUIRE(webhook != nullptr);
    REQUIRE(blocked != nullptr);
    CHECK(root->root_cause);
    CHECK_FALSE(webhook->root_cause);
    CHECK(has(webhook->caused_by, root->id));
    CHECK(has(blocked->caused_by, webhook->id));
    CHECK(blocked->object.name == "cart");
  }

  TEST_CASE("a webhook whose Deployment has no pod is explained by the Deployment's finding") {
    ModelFixture m = deployment("guard", "guard");
    m.list(
        "mutatingwebhookconfigurations.admissionregistration.k8s.io",
        json::array(
            {{{"metadata", {{"name", "inject"}}},
              {"webhooks",
               json::array({{{"name", "inject.guard.dev"},
                             {"clientConfig",
                              {{"service", {{"namespace", "guard"}, {"name", "guard"}}}}}}})}}}));
    m.list("services", json::array({{{"metadata", meta("guard", "guard")},
                                     {"spec", {{"selector", {{"app", "guard"}}}}}}}));
    m.events(json::array({event("ReplicaSet", "guard", "guard-5c7d9f8b6d", "FailedCreate",
                                rs_error("guard",
                                         "error looking up service account guard/guard: "
                                         "serviceaccount \"guard\" not found")),
                          event("Job", "apps", "migrate", "FailedCreate",
                                "Error creating: Internal error occurred: failed calling webhook "
                                "\\\"inject.guard.dev\\\": failed to call webhook: Post "
                                "\\\"https://guard.guard.svc:443/mutate?timeout=10s\\\": dial tcp "
                                "10.96.3.4:443: connect: connection refused")}));
    const auto a = kmg::report::analyze(m.model);
    const auto* sa = by_detector(a, "missing-serviceaccount");
    const auto* webhook = by_detector(a, "webhook-failure");
    REQUIRE(sa != nullptr);
    REQUIRE(webhook != nullptr);
    CHECK(webhook->title.find("nothing listens behind its Service") != std::string::npos);
    CHECK(has(webhook->caused_by, sa->id));
    CHECK(sa->root_cause);
  }

  TEST_CASE("a denial and a certificate error in failed tests and logs") {
    ModelFixture m;
    m.list("pods",
           json::array({{{"metadata", owned("app", "ctl-7f9d-abcde", "ReplicaSet", "ctl-7f9d")},
                         {"status", {{"phase", "Running"}}}}}));
    m.log("app", "ctl-7f9d-abcde", "manager", false,
          {"E0204 10:12:00.000000 1 controller.go:88] failed to create ConfigMap: admission "
           "webhook \"policy.example.org\" denied the request: label team is required"});
    kmg::report::TestCase t;
    t.name = "deploys the app";
    t.status = "failed";
    t.message = "Expected success, got error";
    t.detail =
        "Error from server (InternalError): error when creating \"app.yaml\": Internal "
        "error occurred: failed calling webhook \"tls.example.org\": failed to call "
        "webhook: Post \"https://tls-hook.sys.svc:443/check?timeout=5s\": tls: failed to "
        "verify certificate: x509: certificate signed by unknown authority";
    m.model.tests.cases.push_back(t);
    const auto fs = m.run("webhook-failure");
    REQUIRE(fs.size() == 2);
    const auto& deny = finding(fs, "webhook-failure", "policy.example.org");
    CHECK(deny.title ==
          "Admission webhook policy.example.org denies requests: label team is "
          "required");
    CHECK(deny.depends_on.empty());
    CHECK(text_of(deny).find("[clusters/kind/namespaces/app/pods/ctl-7f9d-abcde/logs/"
                             "manager.log]") != std::string::npos);
    const auto& tls = finding(fs, "webhook-failure", "tls.example.org");
    CHECK(tls.title.find("does not trust its certificate") != std::string::npos);
    CHECK(tls.cause.find("caBundle") != std::string::npos);
    CHECK(text_of(tls).find("test deploys the app:") != std::string::npos);
    CHECK(text_of(tls).find("Service sys/tls-hook does not exist") != std::string::npos);
  }

  TEST_CASE("a CronJob whose last Jobs failed; not when the last one completed") {
    ModelFixture m;
    auto job = [](const std::string& name, const std::string& created, const std::string& type) {
      return json{
          {"metadata",
           {{"namespace", "ops"},
            {"name", name},
            {"creationTimestamp", created},
            {"ownerReferences", json::array({{{"kind", "CronJob"}, {"name", "backup"}}})}}},
          {"status",
           {{"conditions",
             json::array({{{"type", type},
                           {"status", "True"},
                           {"reason", type == "Failed" ? "BackoffLimitExceeded" : ""}}})}}}};
    };
    m.list("cronjobs.batch", json::array({{{"metadata", meta("ops", "backup")},
                                           {"spec", {{"schedule", "*/5 * * * *"}}}}}));
    m.list("jobs.batch", json::array({job("backup-29001", "2026-02-04T10:00:00Z", "Complete"),
                                      job("backup-29006", "2026-02-04T10:05:00Z", "Failed"),
                                      job("backup-29011", "2026-02-04T10:10:00Z", "Failed")}));
    const auto fs = m.run("cronjob-failing");
    const auto& f = finding(fs, "cronjob-failing", "backup");
    CHECK(f.title == "CronJob backup: its last 2 Jobs failed");
    REQUIRE(f.depends_on.size() == 1);
    CHECK(f.depends_on[0].name == "backup-29011");
    m.list("jobs.batch", json::array({job("backup-29006", "2026-02-04T10:05:00Z", "Failed"),
                                      job("backup-29011", "2026-02-04T10:10:00Z", "Complete")}));
    CHECK(m.run("cronjob-failing").empty());
  }

  TEST_CASE("a CronJob's failed runs read from SawCompletedJob when its Jobs are gone") {
    ModelFixture m;
    m.list("cronjobs.batch", json::array({{{"metadata", meta("ops", "report")}}}));
    json saw = event("CronJob", "ops", "report", "SawCompletedJob",
                     "Saw completed job: report-29011, status: Failed");
    saw["type"] = "Normal";
    saw["lastTimestamp"] = "2026-02-04T10:10:00Z";
    m.events(json::array({saw}));
    const auto fs = m.run("cronjob-failing");
    CHECK(finding(fs, "cronjob-failing", "report").title ==
          "CronJob report: its last Job report-29011 failed");
  }

  TEST_CASE("a CronJob that misses its schedule; a suspended one is no failure") {
    ModelFixture m;
    m.list("cronjobs.batch",
           json::array({{{"metadata", meta("ops", "sync")},
                         {"spec", {{"schedule", "0 * * * *"}, {"startingDeadlineSeconds", 10}}}},
                        {{"metadata", meta("ops", "paused")},
                         {"spec", {{"schedule", "0 * * * *"}, {"suspend", true}}}}}));
    m.events(json::array(
        {event("CronJob", "ops", "sync", "MissSchedule",
               "Missed scheduled time to start a job: Wed, 04 Feb 2026 10:00:00 +0000"),
         event("CronJob", "ops", "paused", "FailedNeedsStart",
               "Cannot determine if job needs to be started: too many missed start times")}));
    const auto fs = m.run("cronjob-not-scheduling");
    REQUIRE(fs.size() == 1);
    const auto& f = finding(fs, "cronjob-not-scheduling", "sync");
    CHECK(f.title == "CronJob sync does not start its Jobs (MissSchedule)");
    CHECK(f.cause.find("startingDeadlineSeconds") != std::string::npos);
  }

  TEST_CASE("an HPA without metrics depends on the metrics APIService; ScalingDisabled is fine") {
    ModelFixture m;
    auto hpa = [](const std::string& name, const std::string& reason, const std::string& msg) {
      return json{{"metadata", meta("web", name)},
                  {"spec", {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", name}}}}},
                  {"status",
                   {{"conditions", json::array({{{"type", "AbleToScale"}, {"status", "True"}},
                                                {{"type", "ScalingActive"},
                                                 {"status", "False"},
                                                 {"reason", reason},
                                                 {"message", msg}}})}}}};
    };
    m.list("horizontalpodautoscalers.autoscaling",
           json::array({hpa("front", "FailedGetResourceMetric",
                            "the HPA was unable to compute the replica count: failed to get cpu "
                            "utilization: unable to get metrics for resource cpu: unable to "
                            "fetch metrics from resource metrics API: the server is currently "
                            "unable to handle the request (get pods.metrics.k8s.io)"),
                        hpa("idle", "ScalingDisabled",
                            "scaling is disabled since the replica count of the target is "
                            "zero")}));
    m.list("apiservices.apiregistration.k8s.io",
           json::array({{{"metadata", {{"name", "v1beta1.metrics.k8s.io"}}},
                         {"spec", {{"group", "metrics.k8s.io"}}}}}));
    m.events(json::array(
        {event("HorizontalPodAutoscaler", "web", "front", "FailedComputeMetricsReplicas",
               "invalid metrics (1 invalid out of 1), first error is: failed "
               "to get cpu resource metric value",
               30)}));
    const auto fs = m.run("hpa-failing");
    REQUIRE(fs.size() == 1);
    const auto& f = finding(fs, "hpa-failing", "front");
    CHECK(f.title == "HorizontalPodAutoscaler front cannot scale Deployment front");
    CHECK(f.cause.find("metrics-server") != std::string::npos);
    REQUIRE(f.depends_on.size() == 1);
    CHECK(f.depends_on[0].display() == "kind/APIService/v1beta1.metrics.k8s.io");
    CHECK(text_of(f).find("(x30)") != std::string::npos);
  }

  TEST_CASE("an HPA whose target has no cpu request says so") {
    ModelFixture m;
    m.list(
        "horizontalpodautoscalers.autoscaling",
        json::array({{{"metadata", meta("web", "api")},
                      {"spec", {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", "api"}}}}}}}));
    m.events(json::array({event("HorizontalPodAutoscaler", "web", "api", "FailedGetResourceMetric",
                                "failed to get cpu utilization: missing request for cpu in "
                                "container api of Pod api-7d9f-x2x4k")}));
    const auto fs = m.run("hpa-failing");
    const auto& f = finding(fs, "hpa-failing", "api");
    CHECK(f.cause.find("no request") != std::string::npos);
    CHECK(f.depends_on.empty());
  }
}
