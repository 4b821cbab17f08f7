// The cause graph on in-memory Models: a pod that cannot reach a Service is explained by the
// findings on the pods behind it; a workload summary by its pods' findings; a failed test by the
// objects it names; a cycle still has a root.
#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "model_fixture.h"
#include "report/analyze.h"
#include "report/causes.h"

using kmg::testing::ModelFixture;
using nlohmann::json;

namespace {

json pod(const std::string& ns, const std::string& name, const json& labels, const json& status,
         const json& spec = json::object()) {
  return json{{"metadata", {{"namespace", ns}, {"name", name}, {"labels", labels}}},
              {"spec", spec},
              {"status", status}};
}

json pending_unschedulable() {
  return {{"phase", "Pending"},
          {"conditions",
           json::array({{{"type", "PodScheduled"},
                         {"status", "False"},
                         {"reason", "Unschedulable"},
                         {"message", "0/1 nodes are available: 1 Insufficient memory."}}})}};
}

json running_not_ready(const std::string& container) {
  return {{"phase", "Running"},
          {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}}})},
          {"containerStatuses", json::array({{{"name", container},
                                              {"ready", false},
                                              {"restartCount", 0},
                                              {"state", {{"running", {{"startedAt", "x"}}}}}}})}};
}

json service(const std::string& ns, const std::string& name, const json& selector,
             const std::string& ip) {
  return json{{"metadata", {{"namespace", ns}, {"name", name}}},
              {"spec", {{"selector", selector}, {"clusterIP", ip}}}};
}

const kmg::report::Finding* by_detector(const kmg::report::Analysis& a, const std::string& d) {
  for (const auto& f : a.findings)
    if (f.detector == d) return &f;
  return nullptr;
}

ModelFixture store_and_client() {
  ModelFixture m;
  m.list("pods", json::array({pod("shop", "store-0", {{"app", "store"}}, pending_unschedulable()),
                              pod("shop", "web-0", {{"app", "web"}}, running_not_ready("web"))}));
  m.list("services", json::array({service("shop", "store", {{"app", "store"}}, "10.96.7.7")}));
  m.log("shop", "web-0", "web", false,
        {"connecting to store.shop.svc:5432",
         "dial tcp 10.96.7.7:5432: connect: connection refused"});
  return m;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("a pod that cannot reach a Service is an effect of the finding behind the Service") {
    const ModelFixture m = store_and_client();
    const auto a = kmg::report::analyze(m.model);
    const auto* root = by_detector(a, "unschedulable");
    const auto* effect = by_detector(a, "dependency");
    REQUIRE(root != nullptr);
    REQUIRE(effect != nullptr);
    // The chain: web-0 -> Service store (no ready pod) -> store-0 unschedulable.
    const auto* service = by_detector(a, "service-not-ready");
    REQUIRE(service != nullptr);
    CHECK(root->root_cause);
    CHECK_FALSE(effect->root_cause);
    CHECK_FALSE(service->root_cause);
    CHECK(service->caused_by == std::vector<std::string>{root->id});
    CHECK(std::find(effect->caused_by.begin(), effect->caused_by.end(), service->id) !=
          effect->caused_by.end());
    CHECK(std::find(effect->caused_by.begin(), effect->caused_by.end(), root->id) !=
          effect->caused_by.end());
    REQUIRE(a.roots.size() == 1);
    CHECK(a.findings[a.roots[0].finding].id == root->id);
    CHECK(a.verdict.find("1 root cause explains 3 findings") != std::string::npos);
  }

  TEST_CASE("a Job that failed is explained by its pods' findings") {
    ModelFixture m;
    json p = pod(
        "batch", "load-abc12", {{"job-name", "load"}},
        {{"phase", "Failed"},
         {"containerStatuses",
          json::array({{{"name", "load"},
                        {"restartCount", 0},
                        {"state", {{"terminated", {{"exitCode", 3}, {"reason", "Error"}}}}}}})}});
    p["metadata"]["ownerReferences"] =
        json::array({{{"kind", "Job"}, {"name", "load"}, {"controller", true}}});
    m.list("pods", json::array({p}));
    m.list(
        "jobs.batch",
        json::array({{{"metadata", {{"namespace", "batch"}, {"name", "load"}}},
                      {"status",
                       {{"failed", 1},
                        {"conditions", json::array({{{"type", "Failed"},
                                                     {"status", "True"},
                                                     {"reason", "BackoffLimitExceeded"}}})}}}}}));
    const auto a = kmg::report::analyze(m.model);
    const auto* job = by_detector(a, "job-failed");
    const auto* crash = by_detector(a, "crash-loop");
    REQUIRE(job != nullptr);
    REQUIRE(crash != nullptr);
    CHECK(job->caused_by == std::vector<std::string>{crash->id});
    CHECK(crash->root_cause);
  }

  TEST_CASE("a failed test is explained through the objects it names") {
    ModelFixture m = store_and_client();
    kmg::report::TestCase t;
    t.name = "web serves";
    t.status = "failed";
    t.message = "timed out waiting for the condition on pods/web-0";
    m.model.tests.cases.push_back(t);
    kmg::report::TestCase lost;
    lost.name = "nothing to see";
    lost.status = "failed";
    lost.message = "expected 1, got 2";
    m.model.tests.cases.push_back(lost);
    const auto a = kmg::report::analyze(m.model);
    REQUIRE(a.failed_tests.size() == 2);
    const auto& link = a.failed_tests[0];
    REQUIRE(link.roots.size() == 1);
    CHECK(a.findings[link.roots[0]].detector == "unschedulable");
    CHECK(std::find(link.looked_at.begin(), link.looked_at.end(), "Pod web-0") !=
          link.looked_at.end());
    CHECK(a.failed_tests[1].roots.empty());
    CHECK(a.verdict.find("1 of 2 failed tests") != std::string::npos);
  }

  TEST_CASE("two findings that depend on each other still give one root") {
    ModelFixture m;
    m.list("pods", json::array({pod("ring", "a-0", {{"app", "a"}}, running_not_ready("a")),
                                pod("ring", "b-0", {{"app", "b"}}, running_not_ready("b"))}));
    m.list("services", json::array({service("ring", "a", {{"app", "a"}}, "10.96.1.1"),
                                    service("ring", "b", {{"app", "b"}}, "10.96.1.2")}));
    m.log("ring", "a-0", "a", false, {"dial tcp 10.96.1.2:80: connect: connection refused"});
    m.log("ring", "b-0", "b", false, {"dial tcp 10.96.1.1:80: connect: connection refused"});
    const auto a = kmg::report::analyze(m.model);
    REQUIRE(a.findings.size() >= 2);
    CHECK(a.roots.size() == 1);
    CHECK(a.roots[0].explains.size() + 1 == a.findings.size());
  }
}
