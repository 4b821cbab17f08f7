// Services and their pods (selector, readiness, targetPort), pending LoadBalancers and the chain
// from a refused connection to what is behind the Service, on in-memory Models.
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

json app_pod(const std::string& ns, const std::string& name, const json& labels, bool ready,
             const json& ports = json::array()) {
  const std::string rs = name.substr(0, name.rfind('-'));
  json status = {
      {"phase", "Running"},
      {"podIP", "10.244.1.9"},
      {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
      {"containerStatuses",
       json::array({{{"name", "app"}, {"ready", ready}, {"restartCount", 0}}})}};
  if (!ready)
    status["containerStatuses"][0]["state"] = {{"waiting", {{"reason", "CrashLoopBackOff"}}}};
  return json{{"metadata",
               {{"namespace", ns},
                {"name", name},
                {"labels", labels},
                {"ownerReferences",
                 json::array({{{"kind", "ReplicaSet"}, {"name", rs}, {"controller", true}}})}}},
              {"spec", {{"containers", json::array({{{"name", "app"}, {"ports", ports}}})}}},
              {"status", status}};
}

json svc(const std::string& ns, const std::string& name, const json& selector, const json& ports,
         const std::string& ip = "10.96.44.12") {
  json spec = {{"clusterIP", ip}, {"type", "ClusterIP"}, {"ports", ports}};
  if (!selector.is_null()) spec["selector"] = selector;
  return json{{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}};
}

json tcp(int port, const json& target) {
  return json{{"name", "http"}, {"port", port}, {"protocol", "TCP"}, {"targetPort", target}};
}

json slice(const std::string& ns, const std::string& svc_name, const json& endpoints) {
  return json{{"metadata",
               {{"namespace", ns},
                {"name", svc_name + "-x7k2p"},
                {"labels", {{"kubernetes.io/service-name", svc_name}}}}},
              {"endpoints", endpoints}};
}

json endpoint(bool ready) {
  return json{{"addresses", json::array({"10.244.1.9"})}, {"conditions", {{"ready", ready}}}};
}

bool has_detector(const std::vector<kmg::report::Finding>& fs, const std::string& d) {
  return std::any_of(fs.begin(), fs.end(), [&](const auto& f) { return f.detector == d; });
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a Service whose selector matches no pod shows the pods that almost match") {
    ModelFixture m;
    m.list("pods", json::array({app_pod("store", "cart-6d8f7b9c4-qwert",
                                        {{"app", "cart"}, {"version", "v2"}}, true)}));
    m.list("services", json::array({svc("store", "cart", {{"app", "cart"}, {"version", "v1"}},
                                        json::array({tcp(80, 8080)}))}));
    m.list("endpointslices.discovery.k8s.io", json::array({slice("store", "cart", nullptr)}));
    const auto fs = m.run("service-selects-nothing");
    const auto& f = finding(fs, "service-selects-nothing", "cart");
    CHECK(f.object.kind == "Service");
    CHECK(f.title == "Service cart selects no pod (selector app=cart,version=v1)");
    const std::string t = text_of(f);
    CHECK(t.find("pod cart-6d8f7b9c4-qwert (Deployment cart) has version=v2") != std::string::npos);
    CHECK(t.find("EndpointSlice cart-x7k2p: no endpoints") != std::string::npos);
    CHECK(f.cause.find("disagree") != std::string::npos);
    CHECK(f.next_step.find("kubectl get pods -n store -l app=cart,version=v1") !=
          std::string::npos);
  }

  TEST_CASE("a Service matching a workload with no pods depends on that workload") {
    ModelFixture m;
    m.list("pods", json::array());
    m.list(
        "services",
        json::array({svc("store", "ledger", {{"app", "ledger"}}, json::array({tcp(80, 8080)}))}));
    m.list("deployments.apps",
           json::array({{{"metadata", {{"namespace", "store"}, {"name", "ledger"}}},
                         {"spec",
                          {{"replicas", 0},
                           {"template", {{"metadata", {{"labels", {{"app", "ledger"}}}}}}}}}}}));
    const auto fs = m.run("service-selects-nothing");
    const auto& f = finding(fs, "service-selects-nothing", "ledger");
    REQUIRE(f.depends_on.size() == 1);
    CHECK(f.depends_on[0].display() == "kind/store/Deployment/ledger");
    CHECK(text_of(f).find("(spec.replicas: 0)") != std::string::npos);
  }

  TEST_CASE("healthy Services, Services without selector and ExternalName give no finding") {
    ModelFixture m;
    m.list("pods",
           json::array({app_pod("store", "cart-6d8f7b9c4-qwert", {{"app", "cart"}}, true,
                                json::array({{{"name", "http"}, {"containerPort", 8080}}}))}));
    json external = svc("store", "bank", nullptr, json::array());
    external["spec"]["type"] = "ExternalName";
    m.list("services",
           json::array({svc("store", "cart", {{"app", "cart"}}, json::array({tcp(80, "http")})),
                        svc("store", "legacy", nullptr, json::array({tcp(80, 8080)})), external}));
    m.list("endpointslices.discovery.k8s.io",
           json::array({slice("store", "cart", json::array({endpoint(true)}))}));
    for (const char* d : {"service-selects-nothing", "service-not-ready", "service-port-mismatch",
                          "loadbalancer-pending"})
      CHECK_MESSAGE(m.run(d).empty(), d);
  }

  TEST_CASE("a Service whose pods are all unready depends on them") {
    ModelFixture m;
    m.list("pods",
           json::array({app_pod("store", "cart-6d8f7b9c4-qwert", {{"app", "cart"}}, false),
                        app_pod("store", "cart-6d8f7b9c4-asdfg", {{"app", "cart"}}, false)}));
    m.list("services",
           json::array({svc("store", "cart", {{"app", "cart"}}, json::array({tcp(80, 8080)}))}));
    m.list("endpointslices.discovery.k8s.io",
           json::array({slice("store", "cart", json::array({endpoint(false), endpoint(false)}))}));
    const auto fs = m.run("service-not-ready");
    const auto& f = finding(fs, "service-not-ready", "cart");
    CHECK(f.title == "Service cart has no ready pod (2 pods selected, none ready)");
    CHECK(f.depends_on.size() == 2);
    CHECK(text_of(f).find("EndpointSlice cart-x7k2p: 2 endpoints, none ready") !=
          std::string::npos);
    CHECK(text_of(f).find("container app CrashLoopBackOff") != std::string::npos);

    // One ready endpoint in the slice, or a Service that publishes unready pods: nothing to say.
    m.list("endpointslices.discovery.k8s.io",
           json::array({slice("store", "cart", json::array({endpoint(true)}))}));
    CHECK(m.run("service-not-ready").empty());
    m.list("endpointslices.discovery.k8s.io", json::array());
    m.cluster().lists["services"][0]["spec"]["publishNotReadyAddresses"] = true;
    CHECK(m.run("service-not-ready").empty());
  }

  TEST_CASE("a named targetPort that no container defines is a port mismatch") {
    ModelFixture m;
    m.list("pods",
           json::array({app_pod("store", "cart-6d8f7b9c4-qwert", {{"app", "cart"}}, true,
                                json::array({{{"name", "web"}, {"containerPort", 8080}}}))}));
    m.list("services",
           json::array({svc("store", "cart", {{"app", "cart"}}, json::array({tcp(80, "http")}))}));
    const auto fs = m.run("service-port-mismatch");
    const auto& f = finding(fs, "service-port-mismatch", "cart");
    CHECK(f.title == "Service cart targets port \"http\", which its pods do not define");
    CHECK(text_of(f).find("declare container ports: web 8080/TCP") != std::string::npos);
    m.cluster().lists["pods"][0]["spec"]["containers"][0]["ports"][0]["name"] = "http";
    CHECK(m.run("service-port-mismatch").empty());
  }

  TEST_CASE("an undeclared numeric targetPort is a mismatch only when clients are refused") {
    ModelFixture m;
    m.list("pods",
           json::array({app_pod("store", "cart-6d8f7b9c4-qwert", {{"app", "cart"}}, true,
                                json::array({{{"name", "web"}, {"containerPort", 8080}}})),
                        app_pod("store", "front-5b7c9d8e6-zxcvb", {{"app", "front"}}, true)}));
    m.list("services",
           json::array({svc("store", "cart", {{"app", "cart"}}, json::array({tcp(80, 9090)}))}));
    CHECK(m.run("service-port-mismatch").empty());
    m.log(
        "store", "front-5b7c9d8e6-zxcvb", "app", false,
        {R"({"level":"error","msg":"checkout failed","error":"Get \"http://cart/api\": dial tcp 10.96.44.12:80: connect: connection refused"})"});
    const auto fs = m.run("service-port-mismatch");
    const auto& f = finding(fs, "service-port-mismatch", "cart");
    CHECK(f.title ==
          "Service cart targets port 9090, which its pods do not declare (connection "
          "refused)");
    CHECK(text_of(f).find("front-5b7c9d8e6-zxcvb/logs/app.log") != std::string::npos);
    // Pods that declare no port at all: the port is legal, nothing to say.
    m.cluster().lists["pods"][0]["spec"]["containers"][0]["ports"] = json::array();
    CHECK(m.run("service-port-mismatch").empty());
  }

  TEST_CASE("a refused connection to an empty Service has the selector as its root cause") {
    ModelFixture m;
    m.list("pods",
           json::array({app_pod("store", "cart-6d8f7b9c4-qwert", {{"app", "kart"}}, true),
                        app_pod("store", "front-5b7c9d8e6-zxcvb", {{"app", "front"}}, true)}));
    m.list("services",
           json::array({svc("store", "cart", {{"app", "cart"}}, json::array({tcp(80, 8080)}))}));
    m.log("store", "front-5b7c9d8e6-zxcvb", "app", false,
          {"dial tcp 10.96.44.12:80: connect: connection refused"});
    const auto a = kmg::report::analyze(m.model);
    REQUIRE(has_detector(a.findings, "dependency"));
    const auto& dep = finding(a.findings, "dependency", "front");
    const auto& sel = finding(a.findings, "service-selects-nothing", "cart");
    CHECK(sel.root_cause);
    CHECK_FALSE(dep.root_cause);
    CHECK(dep.caused_by == std::vector<std::string>{sel.id});
  }

  TEST_CASE("a LoadBalancer Service on Kind with no controller is pending") {
    ModelFixture m;
    m.list("nodes",
           json::array({{{"metadata", {{"name", "lab-control-plane"}}},
                         {"spec", {{"providerID", "kind://docker/lab/lab-control-plane"}}}}}));
    m.list("pods", json::array());
    json lb = svc("edge", "ingress-gw", {{"app", "gw"}}, json::array({tcp(443, 8443)}));
    lb["spec"]["type"] = "LoadBalancer";
    lb["metadata"]["creationTimestamp"] = "2026-03-01T10:00:00Z";
    lb["status"] = {{"loadBalancer", json::object()}};
    m.list("services", json::array({lb}));
    const long long created = 1772359200LL * 1000000000LL;  // 2026-03-01T10:00:00Z
    m.model.now = created + 600LL * 1000000000LL;
    auto fs = m.run("loadbalancer-pending");
    const auto& f = finding(fs, "loadbalancer-pending", "ingress-gw");
    CHECK(f.severity == kmg::report::Severity::error);
    CHECK(f.title == "LoadBalancer Service ingress-gw has no external address after 10m");
    CHECK(f.next_step.find("cloud-provider-kind") != std::string::npos);

    // Young: the controller may still be working.
    m.model.now = created + 30LL * 1000000000LL;
    CHECK(m.run("loadbalancer-pending").empty());

    // A MetalLB controller exists: the finding says to look at it.
    m.model.now = created + 3600LL * 1000000000LL;
    m.list("pods", json::array({app_pod("metallb-system", "controller-7d4b6c5f8-lkjhg",
                                        {{"app", "metallb"}, {"component", "controller"}}, true)}));
    fs = m.run("loadbalancer-pending");
    const auto& g = finding(fs, "loadbalancer-pending", "ingress-gw");
    CHECK(g.severity == kmg::report::Severity::warning);
    CHECK(text_of(g).find("a load-balancer controller exists: pod metallb-system/controller") !=
          std::string::npos);

    // An address: nothing pending.
    m.cluster().lists["services"][0]["status"]["loadBalancer"]["ingress"] =
        json::array({{{"ip", "172.18.255.200"}}});
    CHECK(m.run("loadbalancer-pending").empty());
  }
}
