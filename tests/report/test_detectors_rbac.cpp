// RBAC refusals, missing CRDs and unavailable APIServices, on in-memory Models with the API
// server's own message formats.
#include <string>

#include <doctest/doctest.h>

#include "model_fixture.h"
#include "report/analyze.h"

using kmg::testing::finding;
using kmg::testing::ModelFixture;
using kmg::testing::text_of;
using nlohmann::json;

namespace {

json running_pod(const std::string& ns, const std::string& name, const std::string& rs) {
  return json{{"metadata",
               {{"namespace", ns},
                {"name", name},
                {"ownerReferences",
                 json::array({{{"kind", "ReplicaSet"}, {"name", rs}, {"controller", true}}})}}},
              {"spec", {{"containers", json::array({{{"name", "manager"}}})}}},
              {"status", {{"phase", "Running"}}}};
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a forbidden list in a controller's log names the user, verb, resource and scope") {
    ModelFixture m;
    m.list("pods", json::array({running_pod("ops", "keeper-6f7d8-abcde", "keeper-6f7d8")}));
    m.log("ops", "keeper-6f7d8-abcde", "manager", false,
          {"E1002 10:00:01.000000       1 reflector.go:158] \"Unhandled Error\" err=\"failed to "
           "list *v1.Secret: secrets is forbidden: User \\\"system:serviceaccount:ops:keeper\\\" "
           "cannot list resource \\\"secrets\\\" in API group \\\"\\\" at the cluster scope\""});
    const auto fs = m.run("rbac-forbidden");
    const auto& f = finding(fs, "rbac-forbidden", "keeper");
    CHECK(f.object.kind == "Deployment");
    CHECK(f.title == "keeper is forbidden to list secrets");
    CHECK(f.next_step.find("kubectl auth can-i list secrets "
                           "--as=system:serviceaccount:ops:keeper -A") != std::string::npos);
    CHECK(f.next_step.find("ClusterRole") != std::string::npos);
    CHECK(text_of(f).find("[clusters/kind/namespaces/ops/pods/keeper-6f7d8-abcde/logs/"
                          "manager.log]") != std::string::npos);
  }

  TEST_CASE("a namespaced refusal in a group points at a Role") {
    ModelFixture m;
    m.list("pods", json::array({running_pod("ops", "keeper-6f7d8-abcde", "keeper-6f7d8")}));
    m.log("ops", "keeper-6f7d8-abcde", "manager", false,
          {"error: leases.coordination.k8s.io \"keeper\" is forbidden: User "
           "\"system:serviceaccount:ops:default\" cannot get resource \"leases\" in API group "
           "\"coordination.k8s.io\" in the namespace \"ops\""});
    const auto fs = m.run("rbac-forbidden");
    const auto& f = finding(fs, "rbac-forbidden", "keeper");
    CHECK(f.title == "keeper is forbidden to get leases.coordination.k8s.io");
    CHECK(f.next_step.find(" -n ops;") != std::string::npos);
    CHECK(f.next_step.find("Role bound with a RoleBinding") != std::string::npos);
  }

  TEST_CASE("a log without a refusal gives no rbac finding") {
    ModelFixture m;
    m.list("pods", json::array({running_pod("ops", "keeper-6f7d8-abcde", "keeper-6f7d8")}));
    m.log("ops", "keeper-6f7d8-abcde", "manager", false,
          {"error: forbidden words in config are not allowed"});
    CHECK(m.run("rbac-forbidden").empty());
  }

  TEST_CASE("no matches for kind: the CRD is missing, or exists without that version") {
    ModelFixture m;
    m.list("pods", json::array({running_pod("ops", "keeper-6f7d8-abcde", "keeper-6f7d8")}));
    m.log("ops", "keeper-6f7d8-abcde", "manager", false,
          {"ERROR\tsetup\tunable to create controller\t{\"error\": \"no matches for kind "
           "\\\"Backup\\\" in version \\\"store.example.org/v1\\\"\"}"});
    const auto fs = m.run("missing-crd");
    const auto& missing = finding(fs, "missing-crd", "keeper");
    CHECK(missing.title ==
          "keeper uses kind Backup (store.example.org/v1), which is not installed");
    CHECK(missing.next_step.find("--api-group=store.example.org") != std::string::npos);
    m.list("customresourcedefinitions.apiextensions.k8s.io",
           json::array(
               {{{"metadata", {{"name", "backups.store.example.org"}}},
                 {"spec", {{"group", "store.example.org"}, {"names", {{"kind", "Backup"}}}}}}}));
    const auto fs2 = m.run("missing-crd");
    const auto& served = finding(fs2, "missing-crd", "keeper");
    CHECK(served.title.find("a version its CRD does not serve") != std::string::npos);
  }

  TEST_CASE("an unavailable APIService depends on its Service and explains nothing by itself") {
    ModelFixture m;
    m.list(
        "apiservices.apiregistration.k8s.io",
        json::array(
            {{{"metadata", {{"name", "v1beta1.metrics.k8s.io"}}},
              {"spec", {{"service", {{"namespace", "kube-system"}, {"name", "metrics-server"}}}}},
              {"status",
               {{"conditions", json::array({{{"type", "Available"},
                                             {"status", "False"},
                                             {"reason", "MissingEndpoints"},
                                             {"message",
                                              "endpoints for service/metrics-server in "
                                              "\"kube-system\" have no addresses with port "
                                              "name \"https\""}}})}}}},
             {{"metadata", {{"name", "v1.apps"}}},
              {"spec", {{"service", nullptr}}},
              {"status",
               {{"conditions",
                 json::array(
                     {{{"type", "Available"}, {"status", "True"}, {"reason", "Local"}}})}}}}}));
    const auto fs = m.run("apiservice-unavailable");
    REQUIRE(fs.size() == 1);
    const auto& f = finding(fs, "apiservice-unavailable", "v1beta1.metrics.k8s.io");
    CHECK(f.title == "APIService v1beta1.metrics.k8s.io is unavailable (MissingEndpoints)");
    REQUIRE(f.depends_on.size() == 1);
    CHECK(f.depends_on[0].display() == "kind/kube-system/Service/metrics-server");
  }
}
