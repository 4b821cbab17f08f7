// Cluster DNS: CoreDNS down, lookups that time out or get SERVFAIL (Go resolver, glibc and
// Node.js wordings), NXDOMAIN for external names, CoreDNS failing to reach its upstream, and the
// cause chain from an app's failed lookup to CoreDNS.
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

json pod(const std::string& ns, const std::string& name, const json& labels, bool ready,
         const std::string& waiting = "") {
  const std::string rs = name.substr(0, name.rfind('-'));
  json cs = {{"name", "main"}, {"ready", ready}, {"restartCount", ready ? 0 : 6}};
  if (!waiting.empty()) cs["state"] = {{"waiting", {{"reason", waiting}}}};
  return json{
      {"metadata",
       {{"namespace", ns},
        {"name", name},
        {"labels", labels},
        {"ownerReferences",
         json::array({{{"kind", "ReplicaSet"}, {"name", rs}, {"controller", true}}})}}},
      {"spec", {{"nodeName", "lab-worker"}, {"containers", json::array({{{"name", "main"}}})}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", json::array({{{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
        {"containerStatuses", json::array({cs})}}}};
}

json kube_dns() {
  return json{
      {"metadata",
       {{"namespace", "kube-system"}, {"name", "kube-dns"}, {"labels", {{"k8s-app", "kube-dns"}}}}},
      {"spec",
       {{"clusterIP", "10.96.0.10"},
        {"selector", {{"k8s-app", "kube-dns"}}},
        {"ports", json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}}})}}}};
}

json orders_svc() {
  return json{{"metadata", {{"namespace", "shop"}, {"name", "orders-db"}}},
              {"spec", {{"clusterIP", "10.96.31.4"}, {"selector", {{"app", "orders-db"}}}}}};
}

// A cluster with CoreDNS (ready or crash looping), the Services, and an app pod with `lines`.
ModelFixture cluster(bool dns_ready, const std::vector<std::string>& lines) {
  ModelFixture m;
  m.list("pods",
         json::array({pod("kube-system", "coredns-5d78c9869d-abcde", {{"k8s-app", "kube-dns"}},
                          dns_ready, dns_ready ? "" : "CrashLoopBackOff"),
                      pod("shop", "api-7f9b8c6d5-qwert", {{"app", "api"}}, true),
                      pod("shop", "orders-db-0", {{"app", "orders-db"}}, true)}));
  m.list("services", json::array({kube_dns(), orders_svc()}));
  m.log("shop", "api-7f9b8c6d5-qwert", "main", false, lines);
  return m;
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("CoreDNS crash looping: the cluster DNS is down and depends on its pods") {
    ModelFixture m = cluster(false, {});
    m.list("endpointslices.discovery.k8s.io",
           json::array({{{"metadata",
                          {{"namespace", "kube-system"},
                           {"name", "kube-dns-8xq2w"},
                           {"labels", {{"kubernetes.io/service-name", "kube-dns"}}}}},
                         {"endpoints", json::array({{{"addresses", json::array({"10.244.0.3"})},
                                                     {"conditions", {{"ready", false}}}}})}}}));
    const auto fs = m.run("cluster-dns-down");
    const auto& f = finding(fs, "cluster-dns-down", "kube-dns");
    CHECK(f.title == "Cluster DNS is down: 0/1 CoreDNS pods ready");
    REQUIRE(f.depends_on.size() == 1);
    CHECK(f.depends_on[0].display() == "kind/kube-system/Pod/coredns-5d78c9869d-abcde");
    CHECK(text_of(f).find("1 endpoint, none ready") != std::string::npos);
    CHECK(text_of(f).find("CrashLoopBackOff") != std::string::npos);
    // The kube-dns Service is cluster-dns-down's, not service-not-ready's.
    CHECK(m.run("service-not-ready").empty());
    CHECK(cluster(true, {}).run("cluster-dns-down").empty());
  }

  TEST_CASE("CoreDNS scaled to zero: the cluster DNS is down with no pod") {
    ModelFixture m;
    m.list("services", json::array({kube_dns()}));
    m.list("pods", json::array());
    CHECK(m.run("cluster-dns-down").empty());  // kube-system pods not gathered: nothing to say
    m.list(
        "pods",
        json::array({pod("kube-system", "kube-proxy-8z9hm", {{"k8s-app", "kube-proxy"}}, true)}));
    const auto fs = m.run("cluster-dns-down");
    const auto& f = finding(fs, "cluster-dns-down", "kube-dns");
    CHECK(f.title == "Cluster DNS is down: no CoreDNS pod exists");
    CHECK(f.next_step.find("scale deployment coredns") != std::string::npos);
    CHECK(m.run("service-selects-nothing").empty());
  }

  TEST_CASE("lookup timeouts against the cluster DNS, in several wordings, depend on kube-dns") {
    for (const std::string line :
         {"dial tcp: lookup orders-db on 10.96.0.10:53: read udp 10.244.1.7:51820->10.96.0.10:53: "
          "i/o timeout",
          "error=\"lookup orders-db.shop.svc.cluster.local on 10.96.0.10:53: dial udp "
          "10.96.0.10:53: connect: network is unreachable\"",
          "Error: getaddrinfo EAI_AGAIN orders-db",
          "psycopg2.OperationalError: could not translate host name \"orders-db\" to address: "
          "Temporary failure in name resolution"}) {
      CAPTURE(line);
      const ModelFixture m = cluster(true, {line});
      const auto fs = m.run("dns-lookup-failure");
      const auto& f = finding(fs, "dns-lookup-failure", "api");
      REQUIRE(f.depends_on.size() == 1);
      CHECK(f.depends_on[0].display() == "kind/kube-system/Service/kube-dns");
      CHECK(f.title.find("lookups to the cluster DNS 10.96.0.10") != std::string::npos);
      // Not a failed connection to the orders-db Service: the query never got that far.
      CHECK(m.run("dependency").empty());
    }
  }

  TEST_CASE("with CoreDNS down, the app's failed lookups have CoreDNS's crash as root cause") {
    const ModelFixture m = cluster(false, {"dial tcp: lookup orders-db on 10.96.0.10:53: read udp "
                                           "10.244.1.7:51820->10.96.0.10:53: i/o timeout"});
    const auto a = kmg::report::analyze(m.model);
    const auto& lookup = finding(a.findings, "dns-lookup-failure", "api");
    const auto& down = finding(a.findings, "cluster-dns-down", "kube-dns");
    CHECK_FALSE(lookup.root_cause);
    CHECK(std::find(lookup.caused_by.begin(), lookup.caused_by.end(), down.id) !=
          lookup.caused_by.end());
    CHECK(lookup.cause.find("No CoreDNS pod is ready") != std::string::npos);
  }

  TEST_CASE("SERVFAIL from the cluster DNS is explained by CoreDNS's upstream failure") {
    ModelFixture m = cluster(true, {"Get \"https://api.payments.example.com/v1\": dial tcp: "
                                    "lookup api.payments.example.com on 10.96.0.10:53: server "
                                    "misbehaving"});
    m.log("kube-system", "coredns-5d78c9869d-abcde", "main", false,
          {"[ERROR] plugin/errors: 2 api.payments.example.com. A: read udp "
           "10.244.0.3:43885->172.18.0.1:53: i/o timeout",
           "[ERROR] plugin/errors: 2 api.payments.example.com. AAAA: read udp "
           "10.244.0.3:51311->172.18.0.1:53: i/o timeout"});
    const auto up = m.run("dns-upstream");
    const auto& u = finding(up, "dns-upstream", "coredns");
    CHECK(u.title == "coredns cannot reach its upstream DNS server 172.18.0.1 (i/o timeout)");
    CHECK(u.cause.find("api.payments.example.com.") != std::string::npos);
    const auto a = kmg::report::analyze(m.model);
    const auto& lookup = finding(a.findings, "dns-lookup-failure", "api");
    CHECK(lookup.title.find("answers SERVFAIL (server misbehaving)") != std::string::npos);
    const auto& root = finding(a.findings, "dns-upstream", "coredns");
    CHECK(root.root_cause);
    CHECK(std::find(lookup.caused_by.begin(), lookup.caused_by.end(), root.id) !=
          lookup.caused_by.end());
  }

  TEST_CASE("no such host: a missing Service is missing-service's, an external name is ours") {
    const ModelFixture missing = cluster(
        true, {"dial tcp: lookup inventory.shop.svc.cluster.local on 10.96.0.10:53: no such host"});
    CHECK(missing.run("dns-lookup-failure").empty());
    const ModelFixture external = cluster(
        true, {"dial tcp: lookup registry.internal.example on 10.96.0.10:53: no such host"});
    const auto fs = external.run("dns-lookup-failure");
    const auto& f = finding(fs, "dns-lookup-failure", "api");
    CHECK(f.severity == kmg::report::Severity::warning);
    CHECK(f.title == "api looks up registry.internal.example, which does not exist (no such host)");
    CHECK(f.depends_on.empty());
  }

  TEST_CASE("healthy DNS and unrelated lines give no DNS finding") {
    ModelFixture m = cluster(true, {"resolved orders-db to 10.96.31.4", "lookup cache warmed"});
    m.log("kube-system", "coredns-5d78c9869d-abcde", "main", false,
          {"[INFO] plugin/reload: Running configuration SHA512 = 591cf328",
           "[ERROR] plugin/errors: 2 foo.example. A: unexpected EOF"});
    for (const char* d : {"cluster-dns-down", "dns-lookup-failure", "dns-upstream"})
      CHECK_MESSAGE(m.run(d).empty(), d);
  }
}
