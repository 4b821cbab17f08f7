// One test per detector: it fires on a hand-built (or corpus) bundle with the right evidence.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "report/analysis.h"
#include "report_fixture.h"
#include "temp_dir.h"
#include "util/timestamps.h"

using kmg::testing::BundleFixture;
using kmg::testing::corpus_json;
using kmg::testing::corpus_text;
using kmg::testing::corpus_yaml;
using kmg::testing::finding_text;
using kmg::testing::findings_of;
using kmg::testing::make_event;
using kmg::testing::make_pod;
using nlohmann::json;

namespace {

json waiting_status(const std::string& reason, const std::string& message,
                    const std::string& image) {
  return json{
      {"phase", "Pending"},
      {"containerStatuses",
       json::array({{{"name", "app"},
                     {"ready", false},
                     {"restartCount", 0},
                     {"image", image},
                     {"state", {{"waiting", {{"reason", reason}, {"message", message}}}}}}})}};
}

json spec_with_image(const std::string& image, const std::string& policy) {
  return json{{"nodeName", "kind-control-plane"},
              {"containers",
               json::array({{{"name", "app"}, {"image", image}, {"imagePullPolicy", policy}}})}};
}

json node(const std::string& name, const json& images, const std::string& ready = "True") {
  return json{{"metadata", {{"name", name}}},
              {"status",
               {{"conditions", json::array({{{"type", "Ready"},
                                             {"status", ready},
                                             {"reason", "KubeletReady"},
                                             {"message", "kubelet is posting ready status"}}})},
                {"images", images}}}};
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("ErrImageNeverPull is an image not loaded into the Kind node, with kind load") {
    BundleFixture b;
    b.list("pods", json::array({make_pod(
                       "default", "web-1",
                       waiting_status("ErrImageNeverPull",
                                      "Container image \"app:dev\" is not present with pull policy "
                                      "of Never",
                                      "app:dev"),
                       spec_with_image("app:dev", "Never"))}));
    b.list("nodes", json::array({node("kind-control-plane", json::array())}));
    b.events(json::array(
        {make_event("default", "Pod", "web-1", "Warning", "ErrImageNeverPull",
                    "Container image \"app:dev\" is not present with pull policy of Never", 4)}));
    const auto out = b.build();
    const json f = findings_of(out, "image-not-loaded");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["severity"] == "critical");
    CHECK(f[0]["next_step"] == "kind load docker-image app:dev --name kind");
    CHECK(finding_text(f[0]).find("(x4)") != std::string::npos);
    CHECK(out.status == "failures");
  }

  TEST_CASE("a local-only tag with IfNotPresent is 'not loaded' only when the node lacks it") {
    for (bool on_node : {false, true}) {
      BundleFixture b;
      b.list("pods", json::array({make_pod("default", "web-1",
                                           waiting_status("ErrImagePull", "rpc error: not found",
                                                          "localhost/app:e2e"),
                                           spec_with_image("localhost/app:e2e", "IfNotPresent"))}));
      b.list("nodes", json::array({node("kind-control-plane",
                                        on_node ? json::array({{{"names", {"localhost/app:e2e"}}}})
                                                : json::array())}));
      const auto out = b.build();
      CHECK(findings_of(out, "image-not-loaded").size() == (on_node ? 0u : 1u));
      CHECK(findings_of(out, "image-pull").size() == (on_node ? 1u : 0u));
    }
  }

  TEST_CASE("image pull failures are classified from the event text") {
    struct Case {
      const char* message;
      const char* label;
    };
    const Case cases[] = {
        {"Failed to pull image \"docker.io/library/nginx:nope\": rpc error: code = NotFound desc = "
         "failed to pull and unpack image \"docker.io/library/nginx:nope\": failed to resolve "
         "reference \"docker.io/library/nginx:nope\": docker.io/library/nginx:nope: not found",
         "not found"},
        {"Failed to pull image \"docker.io/acme/app:1\": rpc error: code = Unknown desc = failed "
         "to "
         "pull and unpack image \"docker.io/acme/app:1\": failed to resolve reference "
         "\"docker.io/acme/app:1\": pull access denied, repository does not exist or may require "
         "authorization: server message: insufficient_scope: authorization failed",
         "unauthorized"},
        {"Failed to pull image \"busybox\": failed to copy: httpReadSeeker: failed open: "
         "unexpected "
         "status code https://registry-1.docker.io/v2/library/busybox/manifests/sha256:abc: 429 "
         "Too Many Requests - Server message: toomanyrequests: You have reached your pull rate "
         "limit.",
         "rate limited"},
        {"Failed to pull image \"reg.invalid/app:1\": failed to resolve reference "
         "\"reg.invalid/app:1\": failed to do request: Head "
         "\"https://reg.invalid/v2/app/manifests/1\": "
         "dial tcp: lookup reg.invalid on 10.96.0.10:53: no such host",
         "DNS/network"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.label);
      BundleFixture b;
      b.list("pods", json::array({make_pod("default", "web-1",
                                           waiting_status("ImagePullBackOff", "", "some/image:1"),
                                           spec_with_image("some/image:1", "IfNotPresent"))}));
      b.events(json::array(
          {make_event("default", "Pod", "web-1", "Warning", "Failed", c.message, 3),
           make_event("default", "Pod", "web-1", "Warning", "Failed", "Error: ErrImagePull", 3)}));
      const json f = findings_of(b.build(), "image-pull");
      REQUIRE(f.size() == 1);
      CHECK(f[0]["title"].get<std::string>().find(std::string("(") + c.label + ")") !=
            std::string::npos);
      CHECK(finding_text(f[0]).find("Failed to pull image") != std::string::npos);
    }
  }

  TEST_CASE("image pull failure from the troubleshoot corpus (x509) is a certificate problem") {
    BundleFixture b;
    json pods = corpus_json("troubleshoot/pkg/analyze/files/pods/message-image-pull-fail.json");
    b.list("pods", pods["items"]);
    b.events(
        corpus_json("troubleshoot/pkg/analyze/files/events/message-image-pull-fail.json")["items"]);
    const json f = findings_of(b.build(), "image-pull");
    REQUIRE(f.size() == 1);
    // "Get https://noimage.com/v2/: x509: certificate is not valid for any names": the registry
    // answered, with a certificate for another name.
    CHECK(f[0]["title"].get<std::string>().find("(TLS certificate)") != std::string::npos);
    CHECK(f[0]["likely_cause"].get<std::string>().find("x509") != std::string::npos);
    CHECK(f[0]["object"]["kind"] == "Deployment");
    CHECK(f[0]["object"]["name"] == "no-image-deployment");
  }

  TEST_CASE("an init container that cannot start (RunContainerError, corpus) is an error") {
    BundleFixture b;
    b.list("pods", corpus_json("troubleshoot/pkg/analyze/files/pods/"
                               "message-pod-init-crashloop-backoff.json")["items"]);
    const json f = findings_of(b.build(), "crash-loop");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["severity"] == "error");
    CHECK(f[0]["title"] == "Container install cannot start (RunContainerError, exit code 127)");
    CHECK(f[0]["next_step"].get<std::string>().find("not in the image") != std::string::npos);
    CHECK(finding_text(f[0]).find("exec: \"wge\": executable file not found") != std::string::npos);
  }

  TEST_CASE(
      "CrashLoopBackOff (sbctl velero) names the exit code and the previous log's last lines") {
    BundleFixture b;
    const std::string base = "sbctl/tests/support-bundle/cluster-resources/";
    b.list("pods", corpus_json(base + "pods/velero.json")["items"]);
    b.events(corpus_json(base + "events/velero.json")["items"]);
    b.log("velero", "velero-6996dd565b-xl44t", "velero", true,
          corpus_text(base + "pods/logs/velero/velero-6996dd565b-xl44t/velero-previous.log"));
    const json f = findings_of(b.build(), "crash-loop");
    REQUIRE(f.size() == 1);
    const std::string text = finding_text(f[0]);
    CHECK(f[0]["severity"] == "error");
    CHECK(text.find("exit code 1") != std::string::npos);
    CHECK(text.find("application error") != std::string::npos);
    CHECK(text.find("unknown command \"server-junk\"") != std::string::npos);
    CHECK(text.find("Back-off restarting failed container") != std::string::npos);
    CHECK(f[0]["object"]["name"] == "velero");
  }

  TEST_CASE("OOMKilled (troubleshoot corpus) reports the memory limit") {
    BundleFixture b;
    b.list("pods",
           corpus_json("troubleshoot/pkg/analyze/files/pods/message-oomkill-pod.json")["items"]);
    const json f = findings_of(b.build(), "oom-killed");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["title"].get<std::string>().find("100Mi") != std::string::npos);
    CHECK(finding_text(f[0]).find("exit code 137") != std::string::npos);
  }

  TEST_CASE("replicas with the same crash are grouped into one finding") {
    BundleFixture b;
    json pods = json::array();
    for (const char* name :
         {"api-5d9f8c7b6d-aaaaa", "api-5d9f8c7b6d-bbbbb", "api-5d9f8c7b6d-ccccc"}) {
      json st{{"phase", "Running"},
              {"containerStatuses",
               json::array(
                   {{{"name", "app"},
                     {"ready", false},
                     {"restartCount", 5},
                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                     {"lastState", {{"terminated", {{"exitCode", 127}, {"reason", "Error"}}}}}}})}};
      json pod = make_pod("default", name, st);
      pod["metadata"]["ownerReferences"] =
          json::array({{{"kind", "ReplicaSet"}, {"name", "api-5d9f8c7b6d"}, {"controller", true}}});
      pods.push_back(pod);
    }
    b.list("pods", pods);
    const json f = findings_of(b.build(), "crash-loop");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["pods"].size() == 3);
    CHECK(f[0]["object"]["name"] == "api");
    CHECK(finding_text(f[0]).find("command not found") != std::string::npos);
  }

  TEST_CASE("probe failures show the probe definition and the message") {
    BundleFixture b;
    json spec{{"nodeName", "kind-control-plane"},
              {"containers", json::array({{{"name", "web"},
                                           {"image", "web:1"},
                                           {"readinessProbe",
                                            {{"httpGet", {{"path", "/ready"}, {"port", 8080}}},
                                             {"periodSeconds", 5}}}}})}};
    json st{{"phase", "Running"},
            {"containerStatuses",
             json::array({{{"name", "web"},
                           {"ready", false},
                           {"restartCount", 0},
                           {"state", {{"running", {{"startedAt", "2026-02-04T10:15:05Z"}}}}}}})}};
    b.list("pods", json::array({make_pod("default", "web-0", st, spec)}));
    b.events(json::array({make_event(
        "default", "Pod", "web-0", "Warning", "Unhealthy",
        "Readiness probe failed: Get \"http://10.244.0.7:8080/ready\": dial tcp 10.244.0.7:8080: "
        "connect: connection refused",
        12)}));
    const json f = findings_of(b.build(), "probe-failure");
    REQUIRE(f.size() == 1);
    const std::string text = finding_text(f[0]);
    CHECK(text.find("readinessProbe: httpGet :8080/ready") != std::string::npos);
    CHECK(text.find("period=5s") != std::string::npos);
    CHECK(text.find("connection refused") != std::string::npos);
    CHECK(f[0]["title"].get<std::string>().find("12x") != std::string::npos);
  }

  TEST_CASE(
      "a running container that never became Ready is reported when nothing else explains it") {
    BundleFixture b;
    json st{{"phase", "Running"},
            {"containerStatuses",
             json::array({{{"name", "app"},
                           {"ready", false},
                           {"restartCount", 0},
                           {"state", {{"running", {{"startedAt", "2026-02-04T10:15:05Z"}}}}}}})}};
    b.list("pods", json::array({make_pod("default", "slow-0", st)}));
    const json f = findings_of(b.build(), "not-ready");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["severity"] == "warning");
  }

  TEST_CASE("FailedScheduling names the reason") {
    SUBCASE("corpus: insufficient GPU") {
      BundleFixture b;
      b.list(
          "pods",
          corpus_json(
              "troubleshoot/pkg/analyze/files/pods/message-pending-pod-resources.json")["items"]);
      const json f = findings_of(b.build(), "unschedulable");
      REQUIRE(f.size() == 1);
      CHECK(finding_text(f[0]).find("Insufficient nvidia.com/gpu") != std::string::npos);
      CHECK(f[0]["likely_cause"] == "No node fits: not enough nvidia.com/gpu.");
    }
    SUBCASE("untolerated taint, unbound PVC") {
      const std::pair<const char*, const char*> cases[] = {
          {"0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/"
           "control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available.",
           "a node taint the pod does not tolerate (node-role.kubernetes.io/control-plane)"},
          // The wording before Kubernetes 1.25, on a node that is not Ready yet (Sonobuoy's
          // kind cluster in the corpus).
          {"0/1 nodes are available: 1 node(s) had taint {node.kubernetes.io/not-ready: }, that "
           "the pod didn't tolerate.",
           "the node is not Ready (taint node.kubernetes.io/not-ready)"},
          {"0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
           "0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
           "an unbound PersistentVolumeClaim"}};
      for (const auto& [msg, cause] : cases) {
        BundleFixture b;
        json st{{"phase", "Pending"},
                {"conditions", json::array({{{"type", "PodScheduled"},
                                             {"status", "False"},
                                             {"reason", "Unschedulable"},
                                             {"message", msg}}})}};
        json spec{{"containers", json::array({{{"name", "db"}, {"image", "postgres:16"}}})}};
        b.list("pods", json::array({make_pod("default", "postgres-0", st, spec)}));
        const json f = findings_of(b.build(), "unschedulable");
        REQUIRE(f.size() == 1);
        CHECK(f[0]["likely_cause"].get<std::string>().find(cause) != std::string::npos);
        // A node that is not Ready is the thing to fix, not the pod's tolerations.
        const bool not_ready = std::string(cause).find("not Ready") != std::string::npos;
        CHECK((f[0]["next_step"].get<std::string>().find("toleration would only hide") !=
               std::string::npos) == not_ready);
      }
    }
  }

  TEST_CASE("FailedMount and CreateContainerConfigError name the missing object") {
    BundleFixture b;
    json pending{{"phase", "Pending"}};
    b.list("pods",
           json::array({make_pod("default", "mount-0", pending),
                        make_pod("default", "env-0",
                                 waiting_status("CreateContainerConfigError",
                                                "couldn't find key password in Secret default/db",
                                                "app:1"))}));
    b.events(json::array({make_event(
        "default", "Pod", "mount-0", "Warning", "FailedMount",
        "MountVolume.SetUp failed for volume \"config\" : configmap \"app-config\" not found",
        7)}));
    const auto out = b.build();
    const json mount = findings_of(out, "mount-failure");
    REQUIRE(mount.size() == 1);
    CHECK(mount[0]["title"].get<std::string>().find("configmap app-config") != std::string::npos);
    const json cfg = findings_of(out, "container-config");
    REQUIRE(cfg.size() == 1);
    CHECK(cfg[0]["title"].get<std::string>().find("key password in Secret default/db") !=
          std::string::npos);
  }

  TEST_CASE("Deployment ProgressDeadlineExceeded and failed Job (gitops-engine corpus)") {
    BundleFixture b;
    b.list(
        "deployments.apps",
        json::array({corpus_yaml("gitops-engine/pkg/health/testdata/deployment-degraded.yaml")}));
    b.list("jobs.batch",
           json::array({corpus_yaml("gitops-engine/pkg/health/testdata/job-failed.yaml")}));
    const auto out = b.build();
    const json d = findings_of(out, "deployment-stalled");
    REQUIRE(d.size() == 1);
    CHECK(finding_text(d[0]).find("ProgressDeadlineExceeded") != std::string::npos);
    const json j = findings_of(out, "job-failed");
    REQUIRE(j.size() == 1);
    CHECK(j[0]["title"].get<std::string>().find("BackoffLimitExceeded") != std::string::npos);
  }

  TEST_CASE("StatefulSets and DaemonSets not fully ready; nodes NotReady or under pressure") {
    BundleFixture b;
    b.list("statefulsets.apps",
           json::array({{{"metadata", {{"name", "db"}, {"namespace", "default"}}},
                         {"spec", {{"replicas", 3}}},
                         {"status", {{"readyReplicas", 1}}}}}));
    b.list("daemonsets.apps",
           json::array({{{"metadata", {{"name", "agent"}, {"namespace", "kube-system"}}},
                         {"status", {{"desiredNumberScheduled", 2}, {"numberReady", 2}}}}}));
    json bad = node("kind-worker", json::array(), "False");
    bad["status"]["conditions"].push_back(
        {{"type", "DiskPressure"}, {"status", "True"}, {"reason", "KubeletHasDiskPressure"}});
    b.list("nodes", json::array({node("kind-control-plane", json::array()), bad}));
    const auto out = b.build();
    CHECK(findings_of(out, "statefulset-not-ready").size() == 1);
    CHECK(findings_of(out, "daemonset-not-ready").empty());
    const json nr = findings_of(out, "node-not-ready");
    REQUIRE(nr.size() == 1);
    CHECK(nr[0]["object"]["name"] == "kind-worker");
    CHECK(findings_of(out, "node-pressure").size() == 1);
  }

  TEST_CASE("API server unreachable and no clusters come from the manifest") {
    {
      BundleFixture b;
      b.manifest()["clusters"]["kind"]["reachable"] = false;
      b.manifest()["clusters"]["kind"]["problems"] = {
          "dial tcp 127.0.0.1:40000: connection refused"};
      const json f = findings_of(b.build(), "api-unreachable");
      REQUIRE(f.size() == 1);
      CHECK(f[0]["severity"] == "critical");
      CHECK(finding_text(f[0]).find("connection refused") != std::string::npos);
    }
    {
      kmg::testing::TempDir dir;
      dir.write(
          "b/manifest.json",
          R"({"finished_at":"2026-02-04T10:30:00Z","clusters":{},"engines":[{"provider":"docker","endpoint":"unix:///var/run/docker.sock","error":""}]})");
      const auto out = kmg::report::build_report(dir.path() + "/b", {});
      CHECK(out.status == "no-clusters");
      CHECK(findings_of(out, "no-clusters").size() == 1);
    }
  }

  TEST_CASE("a connection error to a Service names it and the state of its pods") {
    BundleFixture b;
    json pending{{"phase", "Pending"},
                 {"conditions",
                  json::array({{{"type", "PodScheduled"},
                                {"status", "False"},
                                {"reason", "Unschedulable"},
                                {"message", "0/1 nodes are available: 1 Insufficient memory."}}})}};
    json pg =
        make_pod("default", "postgres-0", pending,
                 json{{"containers", json::array({{{"name", "db"}, {"image", "postgres:16"}}})}});
    pg["metadata"]["labels"] = {{"app", "postgres"}};
    json running{
        {"phase", "Running"},
        {"containerStatuses",
         json::array({{{"name", "app"},
                       {"ready", true},
                       {"restartCount", 0},
                       {"state", {{"running", {{"startedAt", "2026-02-04T10:15:05Z"}}}}}}})}};
    json web = make_pod("default", "web-5d9f8c7b6d-x2x9z", running);
    b.list("pods", json::array({pg, web}));
    b.list("services",
           json::array(
               {{{"metadata", {{"name", "postgres"}, {"namespace", "default"}}},
                 {"spec", {{"clusterIP", "10.96.12.34"}, {"selector", {{"app", "postgres"}}}}}}}));
    b.log(
        "default", "web-5d9f8c7b6d-x2x9z", "app", false,
        "2026-02-04T10:15:10.000000001Z starting\n"
        "2026-02-04T10:15:11.5Z error: dial tcp 10.96.12.34:5432: connect: connection refused\n"
        "2026-02-04T10:15:12Z ERROR could not connect to postgres.default.svc.cluster.local:5432: "
        "connection refused\n");
    const auto out = b.build();
    const json f = findings_of(out, "dependency");
    REQUIRE(f.size() == 1);
    const std::string text = finding_text(f[0]);
    CHECK(f[0]["title"].get<std::string>().find("Service postgres") != std::string::npos);
    CHECK(text.find("postgres-0 is Pending: FailedScheduling: 0/1 nodes are available: 1 "
                    "Insufficient memory.") != std::string::npos);
    CHECK(findings_of(out, "unschedulable").size() == 1);
    // The root cause is listed before the workload that fails because of it.
    const json all = json::parse(out.json)["findings"];
    std::size_t root = all.size(), dependent = all.size();
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (all[i]["detector"] == "unschedulable") root = i;
      if (all[i]["detector"] == "dependency") dependent = i;
    }
    CHECK(root < dependent);
  }

  TEST_CASE("no such host names the missing Service, not the DNS server") {
    BundleFixture b;
    json running{{"phase", "Running"},
                 {"containerStatuses", json::array({{{"name", "app"},
                                                     {"ready", true},
                                                     {"restartCount", 0},
                                                     {"state", {{"running", json::object()}}}}})}};
    b.list("pods", json::array({make_pod("shop", "notify-0", running)}));
    b.list(
        "services",
        json::array(
            {{{"metadata", {{"name", "kube-dns"}, {"namespace", "kube-system"}}},
              {"spec", {{"clusterIP", "10.96.0.10"}, {"selector", {{"k8s-app", "kube-dns"}}}}}}}));
    b.log("shop", "notify-0", "app", false,
          "2026-02-04T10:17:30.9Z {\"level\":\"warn\",\"msg\":\"queue "
          "unreachable\",\"error\":\"dial tcp: "
          "lookup nats.shop.svc on 10.96.0.10:53: no such host\"}\n");
    const auto out = b.build();
    CHECK(findings_of(out, "dependency").empty());
    const json f = findings_of(out, "missing-service");
    REQUIRE(f.size() == 1);
    CHECK(f[0]["title"].get<std::string>().find("Service nats") != std::string::npos);
    CHECK(finding_text(f[0]).find("no Service shop/nats") != std::string::npos);
  }

  TEST_CASE("custom resources with Ready=False are findings whatever their CRD") {
    BundleFixture b;
    b.list("gatewayroutes.gateway.example.com",
           json::array(
               {{{"apiVersion", "gateway.example.com/v1"},
                 {"kind", "GatewayRoute"},
                 {"metadata", {{"name", "shop"}, {"namespace", "default"}}},
                 {"status",
                  {{"conditions", json::array({{{"type", "Ready"},
                                                {"status", "False"},
                                                {"reason", "BackendNotFound"},
                                                {"message", "service cart not found"}}})}}}},
                {{"apiVersion", "gateway.example.com/v1"},
                 {"kind", "GatewayRoute"},
                 {"metadata", {{"name", "ok"}, {"namespace", "default"}}},
                 {"status",
                  {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}}}));
    b.list("certificates.cert-manager.io",
           json::array({corpus_yaml("argo-cd/resource_customizations/cert-manager.io/Certificate/"
                                    "testdata/degraded_configError.yaml")}));
    const json f = findings_of(b.build(), "custom-resource");
    REQUIRE(f.size() == 2);
    bool shop = false;
    for (const auto& x : f)
      if (x["object"]["name"] == "shop") {
        shop = true;
        CHECK(x["object"]["kind"] == "GatewayRoute");
        CHECK(finding_text(x).find("BackendNotFound") != std::string::npos);
      }
    CHECK(shop);
  }

  TEST_CASE("a healthy bundle yields no findings") {
    BundleFixture b;
    b.list("pods", corpus_json("troubleshoot/pkg/analyze/files/pods/default.json")["items"]);
    b.list("nodes", json::array({node("kind-control-plane", json::array())}));
    b.list("deployments.apps",
           json::array({{{"metadata", {{"name", "web"}, {"namespace", "default"}}},
                         {"spec", {{"replicas", 1}}},
                         {"status", {{"availableReplicas", 1}}}}}));
    b.events(json::array({make_event("default", "Pod", "random-pod-75b66db9b9-nqhp8", "Normal",
                                     "Started", "Started container app")}));
    // Traces without an error span (ride-sharing app, HTTP 200) are no finding either.
    b.file("clusters/kind/traces/observability.jaeger-query/ride.json",
           corpus_text("flamegraph-renderer-example/src/slowTrace.json"));
    const auto out = b.build();
    CHECK(json::parse(out.json)["traces"]["services"].size() > 0);
    CHECK(out.finding_count == 0);
    CHECK(out.status == "healthy");
    CHECK(out.annotations.empty());
    CHECK(out.verdict.rfind("HEALTHY", 0) == 0);
  }
}

namespace {

// Spans of a Jaeger UI trace with error=true (bool or string), with their service names.
std::vector<std::pair<std::string, json>> error_spans_of(const json& trace) {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& span : trace["spans"]) {
    for (const auto& tag : span.value("tags", json::array())) {
      if (tag.value("key", "") == "error" && (tag["value"] == true || tag["value"] == "true")) {
        out.emplace_back(trace["processes"][span["processID"].get<std::string>()]["serviceName"],
                         span);
      }
    }
  }
  return out;
}

const json* finding_titled(const json& findings, const std::string& title) {
  for (const auto& f : findings)
    if (f["title"] == title) return &f;
  return nullptr;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("failed trace requests are findings grouped by service and operation (HotROD)") {
    BundleFixture b;
    const std::string trace_text = corpus_text("flamegraph-renderer-example/src/TestTraceC.json");
    // Fetched once per service it touches: the same failed calls must not count twice.
    b.file("clusters/kind/traces/observability.jaeger-query/frontend.json", trace_text);
    b.file("clusters/kind/traces/observability.jaeger-query/redis.json", trace_text);
    const json trace = json::parse(trace_text)["data"][0];
    const auto errors = error_spans_of(trace);
    REQUIRE(errors.size() == 2);
    const std::string service = errors[0].first;
    const std::string operation = errors[0].second["operationName"];
    CHECK(errors[1].first == service);

    const auto out = b.build();
    const json f = findings_of(out, "trace-errors");
    REQUIRE(f.size() == 1);  // one per service + operation, not one per span or trace
    CHECK(f[0]["severity"] == "error");
    CHECK(f[0]["title"] == "Traces: 2 requests to " + service + " " + operation + " failed");
    CHECK(f[0]["object"]["cluster"] == "kind");
    CHECK(f[0]["object"]["name"] == service);
    const std::string text = finding_text(f[0]);
    CHECK(text.find("2 failed requests in 1 trace,") != std::string::npos);
    CHECK(text.find("trace " + trace["traceID"].get<std::string>()) != std::string::npos);
    CHECK(text.find("clusters/kind/traces/observability.jaeger-query/") != std::string::npos);
    // The message comes from the span's log (an old SDK): "redis timeout".
    CHECK(text.find("redis timeout") != std::string::npos);
    for (const auto& [svc, span] : errors) {
      const std::string at = kmg::format_rfc3339(span["startTime"].get<std::int64_t>() * 1000);
      CHECK(text.find(at) != std::string::npos);  // first and last time
    }
    // The parents (driver) did not fail: the error is redis's own.
    CHECK(f[0]["likely_cause"].get<std::string>().find(service + " reported the error itself") ==
          0);
    CHECK(out.status == "failures");
  }

  TEST_CASE("failed trace requests name the downstream call that failed (seed scenario traces)") {
    const json seed = json::parse(
        kmg::testing::read_file(kmg::testing::source_root() + "/tests/scenarios/seed.json"));
    const json& traces = seed["jaeger"][0]["traces"];
    BundleFixture b;
    b.file("clusters/kind/traces/observability.jaeger-query/all.json",
           json{{"data", traces}}.dump());
    // Expected from the scenario: per failed root span, its trace and the failed child's peer.
    std::map<std::string, std::set<std::string>> roots;  // "service operation" -> trace ids
    std::map<std::string, std::set<std::string>> peers;  // "service operation" -> net.peer.name
    for (const auto& t : traces) {
      const auto errors = error_spans_of(t);
      for (const auto& [svc, span] : errors) {
        if (!span["references"].empty()) continue;
        const std::string key = svc + " " + span["operationName"].get<std::string>();
        roots[key].insert(t["traceID"].get<std::string>());
        for (const auto& [child_svc, child] : errors) {
          for (const auto& tag : child["tags"])
            if (tag["key"] == "net.peer.name") peers[key].insert(tag["value"].get<std::string>());
        }
      }
    }
    REQUIRE(roots.size() >= 2);

    const auto out = b.build();
    const json f = findings_of(out, "trace-errors");
    CHECK(f.size() == roots.size());
    for (const auto& [key, ids] : roots) {
      INFO("group: ", key);
      const std::size_t n = ids.size();
      const json* finding =
          finding_titled(f, "Traces: " + std::to_string(n) + (n == 1 ? " request" : " requests") +
                                " to " + key + " failed");
      REQUIRE(finding != nullptr);
      const std::string text = finding_text(*finding);
      for (const auto& id : ids) CHECK(text.find("trace " + id) != std::string::npos);
      CHECK(text.find("otel.status_code=ERROR") != std::string::npos);
      REQUIRE(peers[key].size() == 1);
      // The cause names the dependency the failed child span called.
      CHECK((*finding)["likely_cause"].get<std::string>().find(*peers[key].begin()) !=
            std::string::npos);
      const std::string peer = *peers[key].begin();
      CHECK((*finding)["next_step"].get<std::string>().find(peer) != std::string::npos);
      // A <name>.<namespace>.svc host is a Kubernetes Service: the next step says which.
      CHECK((*finding)["next_step"].get<std::string>().find("Check Service " +
                                                            peer.substr(0, peer.find('.'))) == 0);
      CHECK(text.find("connection refused") != std::string::npos);
    }
    // The frontend's and the readiness check's 503s: the evidence keeps the status code.
    std::string all;
    for (const auto& x : f) all += finding_text(x);
    CHECK(all.find("http.status_code=503") != std::string::npos);
  }

  TEST_CASE("a failed client span of another service names that service (jaeger anonymizer)") {
    BundleFixture b;
    const std::string spans =
        corpus_text("jaeger/cmd/anonymizer/app/uiconv/fixtures/trace_success.json");
    b.file("clusters/kind/traces/observability.jaeger-query/x.json", spans);
    const json doc = json::parse(spans);
    std::string failed_service, failed_op;
    for (const auto& span : doc)
      for (const auto& tag : span["tags"])
        if (tag["key"] == "error") {
          failed_service = span["process"]["serviceName"];
          failed_op = span["operationName"];
        }
    REQUIRE_FALSE(failed_service.empty());
    const json f = findings_of(b.build(), "trace-errors");
    REQUIRE(f.size() == 1);
    // Its parent (another service) did not fail: the request that failed is the client call.
    CHECK(f[0]["title"] == "Traces: 1 request to " + failed_service + " " + failed_op + " failed");
    // Neither a message nor a failed child: the span reports the error and nothing more.
    CHECK(f[0]["likely_cause"] == failed_service + " reported the error itself.");
  }

  TEST_CASE("exit codes are explained") {
    using kmg::report::exit_code_meaning;
    CHECK(exit_code_meaning(1) == "application error");
    CHECK(exit_code_meaning(126).find("not executable") != std::string::npos);
    CHECK(exit_code_meaning(127) == "command not found");
    CHECK(exit_code_meaning(137).find("OOM") != std::string::npos);
    CHECK(exit_code_meaning(139).find("segmentation fault") != std::string::npos);
    CHECK(exit_code_meaning(143).find("SIGTERM") != std::string::npos);
  }

  TEST_CASE("a DaemonSet with pods not ready and a failing liveness probe") {
    BundleFixture b;
    b.list("daemonsets.apps",
           json::array({{{"metadata", {{"name", "agent"}, {"namespace", "kube-system"}}},
                         {"status", {{"desiredNumberScheduled", 2}, {"numberReady", 1}}}}}));
    json spec{
        {"nodeName", "kind-control-plane"},
        {"containers",
         json::array({{{"name", "api"},
                       {"image", "api:1"},
                       {"livenessProbe", {{"exec", {{"command", {"cat", "/tmp/healthy"}}}}}}}})}};
    json st{{"phase", "Running"},
            {"containerStatuses", json::array({{{"name", "api"},
                                                {"ready", true},
                                                {"restartCount", 0},
                                                {"state", {{"running", json::object()}}}}})}};
    b.list("pods", json::array({make_pod("default", "api-0", st, spec)}));
    b.events(json::array({make_event("default", "Pod", "api-0", "Warning", "Unhealthy",
                                     "Liveness probe failed: cat: can't open '/tmp/healthy'", 3)}));
    const auto out = b.build();
    const json ds = findings_of(out, "daemonset-not-ready");
    REQUIRE(ds.size() == 1);
    CHECK(ds[0]["title"].get<std::string>().find("1/2") != std::string::npos);
    const json probe = findings_of(out, "probe-failure");
    REQUIRE(probe.size() == 1);
    CHECK(probe[0]["severity"] == "error");
    CHECK(finding_text(probe[0]).find("livenessProbe: exec [cat /tmp/healthy]") !=
          std::string::npos);
  }
}
