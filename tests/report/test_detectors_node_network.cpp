// A node whose pod network is not ready (the CNI plugin is not initialized) and the pods whose
// sandbox cannot be created, on in-memory Models with the kubelet's and containerd's messages.
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

const std::string kCniNotInitialized =
    "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
    "message:Network plugin returns error: cni plugin not initialized";

json node(const std::string& name, const std::string& status, const std::string& reason,
          const std::string& message) {
  return json{{"metadata", {{"name", name}}},
              {"status",
               {{"conditions", json::array({{{"type", "MemoryPressure"}, {"status", "False"}},
                                            {{"type", "Ready"},
                                             {"status", status},
                                             {"reason", reason},
                                             {"message", message}}})}}}};
}

// A pod on `node_name`; `cni` mounts the host's /etc/cni/net.d like a CNI agent does.
json pod(const std::string& ns, const std::string& name, const std::string& node_name,
         const json& status, bool cni = false) {
  json spec = {{"nodeName", node_name}, {"containers", json::array({{{"name", "main"}}})}};
  if (cni)
    spec["volumes"] =
        json::array({{{"name", "cni-cfg"}, {"hostPath", {{"path", "/etc/cni/net.d"}}}}});
  return json{
      {"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}, {"status", status}};
}

json creating() {
  return {{"phase", "Pending"},
          {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}},
                                      {{"type", "PodScheduled"}, {"status", "True"}}})},
          {"containerStatuses",
           json::array({{{"name", "main"},
                         {"ready", false},
                         {"restartCount", 0},
                         {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}})}};
}

json running_ready() {
  return {{"phase", "Running"},
          {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
          {"containerStatuses", json::array({{{"name", "main"},
                                              {"ready", true},
                                              {"restartCount", 0},
                                              {"state", {{"running", json::object()}}}}})}};
}

json crash_looping() {
  return {
      {"phase", "Running"},
      {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
      {"containerStatuses",
       json::array({{{"name", "main"},
                     {"ready", false},
                     {"restartCount", 6},
                     {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                     {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}}}}})}};
}

json pod_event(const std::string& ns, const std::string& name, const std::string& reason,
               const std::string& message, long count) {
  return json{{"involvedObject", {{"kind", "Pod"}, {"namespace", ns}, {"name", name}}},
              {"type", "Warning"},
              {"reason", reason},
              {"message", message},
              {"count", count},
              {"source", {{"component", "kubelet"}}}};
}

bool depends_on(const kmg::report::Finding& f, const std::string& kind, const std::string& name) {
  return std::any_of(f.depends_on.begin(), f.depends_on.end(),
                     [&](const auto& r) { return r.kind == kind && r.name == name; });
}

const kmg::report::Finding* by_detector(const kmg::report::Analysis& a, const std::string& d) {
  for (const auto& f : a.findings)
    if (f.detector == d) return &f;
  return nullptr;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a node whose CNI is not initialized is node-network-not-ready, not node-not-ready") {
    struct Variant {
      std::string message, detail;
    };
    for (const Variant& v :
         {Variant{kCniNotInitialized, "cni plugin not initialized"},
          Variant{"container runtime network not ready: NetworkReady=false "
                  "reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni "
                  "config uninitialized",
                  "cni config uninitialized"}}) {
      CAPTURE(v.message);
      ModelFixture m;
      m.list("nodes", json::array({node("lab-worker", "False", "KubeletNotReady", v.message)}));
      const auto fs = m.run("node-network-not-ready");
      const auto& f = finding(fs, "node-network-not-ready", "lab-worker");
      CHECK(f.title ==
            "Node lab-worker is NotReady: its pod network is not ready (" + v.detail + ")");
      CHECK(text_of(f).find("no pod on node lab-worker mounts /etc/cni") != std::string::npos);
      CHECK(f.cause.find("No CNI plugin is installed") != std::string::npos);
      CHECK(m.run("node-not-ready").empty());
    }
  }

  TEST_CASE("a node NotReady for another reason stays node-not-ready") {
    ModelFixture m;
    m.list("nodes", json::array({node("lab-worker", "Unknown", "NodeStatusUnknown",
                                      "Kubelet stopped posting node status.")}));
    CHECK(m.run("node-network-not-ready").empty());
    const auto fs = m.run("node-not-ready");
    CHECK(finding(fs, "node-not-ready", "lab-worker").title == "Node lab-worker is NotReady");
  }

  TEST_CASE("the node's network depends on its CNI agent pod, named in the cause") {
    ModelFixture m;
    m.list("nodes",
           json::array({node("lab-worker", "False", "KubeletNotReady", kCniNotInitialized)}));
    m.list("pods",
           json::array({pod("kube-system", "netagent-x2b7q", "lab-worker", crash_looping(), true),
                        pod("kube-system", "netagent-k9d4w", "lab-other", running_ready(), true)}));
    const auto fs = m.run("node-network-not-ready");
    const auto& f = finding(fs, "node-network-not-ready", "lab-worker");
    CHECK(depends_on(f, "Pod", "netagent-x2b7q"));
    CHECK_FALSE(depends_on(f, "Pod", "netagent-k9d4w"));
    CHECK(f.cause.find("netagent-x2b7q") != std::string::npos);
    CHECK(text_of(f).find("CrashLoopBackOff") != std::string::npos);
  }

  TEST_CASE("pods on a node without network are effects of the node's network finding") {
    ModelFixture m;
    m.list("nodes",
           json::array({node("lab-worker", "False", "KubeletNotReady", kCniNotInitialized)}));
    m.list("pods", json::array({pod("shop", "cart-1", "lab-worker", creating())}));
    m.events(json::array({pod_event("shop", "cart-1", "NetworkNotReady",
                                    "network is not ready: " + kCniNotInitialized, 31)}));
    const auto fs = m.run("pod-sandbox");
    const auto& f = finding(fs, "pod-sandbox", "cart-1");
    CHECK(f.title == "Pod cart-1 cannot start: the pod network of node lab-worker is not ready");
    CHECK(depends_on(f, "Node", "lab-worker"));
    CHECK(text_of(f).find("(x31)") != std::string::npos);

    const auto a = kmg::report::analyze(m.model);
    const auto* net = by_detector(a, "node-network-not-ready");
    const auto* sandbox = by_detector(a, "pod-sandbox");
    REQUIRE(net != nullptr);
    REQUIRE(sandbox != nullptr);
    CHECK(net->root_cause);
    CHECK_FALSE(sandbox->root_cause);
    CHECK(sandbox->caused_by == std::vector<std::string>{net->id});
    CHECK(by_detector(a, "node-not-ready") == nullptr);
  }

  TEST_CASE("a CNI plugin failing to add the pod's network names the plugin and its error") {
    struct Variant {
      std::string message, title_tail;
    };
    for (const Variant& v :
         {Variant{"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup "
                  "network for sandbox "
                  "\"7fa2130083825d3ad4a29ad855d149fda68dc172e55d0114248e667e202f0982\": plugin "
                  "type=\"ptp\" failed (add): failed to allocate for range 0: no IP addresses "
                  "available in range set: 10.244.1.1-10.244.1.254",
                  "CNI plugin ptp fails to set up its network (failed to allocate for range 0: no "
                  "IP addresses available in range set: 10.244.1.1-10.244.1.254)"},
          Variant{"(combined from similar events): Failed to create pod sandbox: rpc error: code = "
                  "Unknown desc = failed to setup network for sandbox \"b3d13c945c16\": plugin "
                  "type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or "
                  "directory: check that the calico/node container is running and has mounted "
                  "/var/lib/calico/",
                  "CNI plugin calico fails to set up its network (stat /var/lib/calico/nodename: "
                  "no such file or directory: check that the calico/node container is running "
                  "and has mounted /var/lib/calico/)"},
          Variant{"Failed to create pod sandbox: rpc error: code = Unknown desc = failed to get "
                  "sandbox image \"registry.k8s.io/pause:3.10\": failed to pull image",
                  "its pod sandbox cannot be created (failed to get sandbox image "
                  "\"registry.k8s.io/pause:3.10\": failed to pull image)"}}) {
      CAPTURE(v.message);
      ModelFixture m;
      m.list("nodes", json::array({node("lab-worker", "True", "KubeletReady",
                                        "kubelet is posting ready status")}));
      m.list(
          "pods",
          json::array({pod("shop", "cart-1", "lab-worker", creating()),
                       pod("kube-system", "netagent-x2b7q", "lab-worker", running_ready(), true)}));
      m.events(json::array({pod_event("shop", "cart-1", "FailedCreatePodSandBox", v.message, 14)}));
      const auto fs = m.run("pod-sandbox");
      const auto& f = finding(fs, "pod-sandbox", "cart-1");
      CHECK(f.title == "Pod cart-1 cannot start: " + v.title_tail);
      CHECK_FALSE(depends_on(f, "Node", "lab-worker"));  // the node itself is Ready
      const bool network = v.title_tail.find("CNI plugin") != std::string::npos;
      CHECK(depends_on(f, "Pod", "netagent-x2b7q") == network);
    }
  }

  TEST_CASE("a pod that started after a sandbox failure has no pod-sandbox finding") {
    ModelFixture m;
    m.list("nodes", json::array({node("lab-worker", "True", "KubeletReady",
                                      "kubelet is posting ready status")}));
    m.list("pods", json::array({pod("shop", "cart-1", "lab-worker", running_ready())}));
    m.events(json::array({pod_event(
        "shop", "cart-1", "FailedCreatePodSandBox",
        "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network "
        "for sandbox \"abc\": plugin type=\"ptp\" failed (add): transient",
        1)}));
    CHECK(m.run("pod-sandbox").empty());
  }
}
