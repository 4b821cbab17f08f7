#include <algorithm>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "discovery/clusters_table.h"
#include "discovery/discover.h"
#include "kind_kubeconfig.h"
#include "memory_engine.h"
#include "memory_kube_api.h"
#include "temp_dir.h"
#include "util/errors.h"

using kmg::discovery::ClusterTarget;
using kmg::discovery::DiscoveryOptions;
using kmg::testing::kind_node;
using kmg::testing::MemoryEngine;
using kmg::testing::TempDir;

namespace {

constexpr const char* kAdminPath = "/etc/kubernetes/admin.conf";

MemoryEngine::Node node(const kmg::engine::Container& c, const std::string& admin = "") {
  MemoryEngine::Node n;
  n.container = c;
  if (!admin.empty()) n.files[kAdminPath] = admin;
  return n;
}

const ClusterTarget* target(const kmg::discovery::DiscoveryResult& r, const std::string& name,
                            const std::string& provider = "") {
  for (const auto& t : r.targets)
    if (t.name == name && (provider.empty() || t.provider == provider)) return &t;
  return nullptr;
}

bool has_problem(const ClusterTarget& t, const std::string& text) {
  return std::any_of(t.problems.begin(), t.problems.end(),
                     [&](const std::string& p) { return p.find(text) != std::string::npos; });
}

DiscoveryOptions options_for(const TempDir& home,
                             std::vector<std::shared_ptr<kmg::engine::EngineApi>> engines) {
  DiscoveryOptions o;
  o.engines = std::move(engines);
  o.kube_env.home = home.path();
  return o;
}

}  // namespace

TEST_SUITE("discovery") {
  TEST_CASE("kubeconfig from admin.conf: renamed kind-<name>, server at the published port") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("alpha", "alpha-control-plane", "control-plane", "running", "41234"),
                kmg::testing::admin_conf("alpha")));
    e->add(node(kind_node("alpha", "alpha-worker", "worker")));
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    REQUIRE(r.targets.size() == 1);
    const auto& t = r.targets[0];
    CHECK(t.name == "alpha");
    CHECK(t.provider == "docker");
    CHECK(t.engine == e);
    REQUIRE(t.nodes.size() == 2);
    CHECK(t.nodes[0].name == "alpha-control-plane");
    CHECK(t.nodes[0].role == "control-plane");
    CHECK(t.nodes[1].role == "worker");
    REQUIRE(t.rest.has_value());
    CHECK(t.rest->server == "https://127.0.0.1:41234");
    CHECK(t.rest->context == "kind-alpha");
    CHECK(t.rest->cluster == "kind-alpha");
    CHECK(t.rest->client_cert_pem.find("BEGIN CERTIFICATE") != std::string::npos);
    CHECK(t.kubeconfig_source == "admin.conf from alpha-control-plane (docker)");
    CHECK(t.problems.empty());
    REQUIRE(r.engines.size() == 1);
    CHECK(r.engines[0].containers == 2);
    CHECK(r.engines[0].error.empty());
  }

  TEST_CASE("stopped control plane: admin.conf still read, PortBindings used, problem noted") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("podman", "/run/podman/podman.sock");
    auto cp = node(kind_node("beta", "beta-control-plane", "control-plane", "exited"),
                   kmg::testing::admin_conf("beta"));
    // A stopped container: no actual bindings, the requested one is still in HostConfig.
    cp.inspect = nlohmann::json::parse(R"({"NetworkSettings":{"Ports":{}},
      "HostConfig":{"PortBindings":{"6443/tcp":[{"HostIp":"","HostPort":"35001"}]}}})");
    e->add(cp);
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    const auto* t = target(r, "beta");
    REQUIRE(t != nullptr);
    REQUIRE(t->rest.has_value());
    CHECK(t->rest->server == "https://127.0.0.1:35001");
    CHECK(has_problem(*t, "control-plane node beta-control-plane is exited"));
    CHECK(t->nodes[0].state == "exited");
  }

  TEST_CASE("HA cluster: the endpoint is the external load balancer's port") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("ha", "ha-control-plane", "control-plane", "running", "40001"),
                kmg::testing::admin_conf("ha")));
    e->add(node(kind_node("ha", "ha-control-plane2", "control-plane", "running", "40002")));
    e->add(node(kind_node("ha", "ha-external-load-balancer", "external-load-balancer", "running",
                          "40100")));
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    const auto* t = target(r, "ha");
    REQUIRE(t != nullptr);
    REQUIRE(t->rest.has_value());
    CHECK(t->rest->server == "https://127.0.0.1:40100");
    CHECK(t->kubeconfig_source == "admin.conf from ha-control-plane (docker)");
    CHECK(t->nodes.size() == 3);
  }

  TEST_CASE("missing port binding: a problem, then the user's kubeconfig as fallback") {
    TempDir home;
    home.write(".kube/config",
               kmg::testing::kind_user_kubeconfig("gamma", "https://127.0.0.1:39999"));
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("gamma", "gamma-control-plane", "control-plane"),
                kmg::testing::admin_conf("gamma")));
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    const auto* t = target(r, "gamma");
    REQUIRE(t != nullptr);
    CHECK(has_problem(*t, "node gamma-control-plane has no host port published for 6443/tcp"));
    REQUIRE(t->rest.has_value());
    CHECK(t->rest->server == "https://127.0.0.1:39999");
    CHECK(t->kubeconfig_source == "~/.kube/config");
  }

  TEST_CASE("admin.conf unreadable: fallback to a file under ~/.kube holding the cluster") {
    TempDir home;
    home.write(".kube/cache/discovery/x.json", "{}");
    home.write(".kube/kubens/state", "not a kubeconfig: [");
    home.write(".kube/delta-e2e-config",
               kmg::testing::kind_user_kubeconfig("delta-e2e", "https://127.0.0.1:38888"));
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("delta-e2e", "delta-e2e-control-plane", "control-plane", "running",
                          "38888")));  // no admin.conf file
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    const auto* t = target(r, "delta-e2e");
    REQUIRE(t != nullptr);
    REQUIRE(t->rest.has_value());
    CHECK(t->kubeconfig_source == "~/.kube/delta-e2e-config");
    CHECK(t->rest->server == "https://127.0.0.1:38888");
    CHECK(has_problem(*t, "admin.conf"));
  }

  TEST_CASE("admin.conf without credentials and no fallback: no rest, reasons listed") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("eps", "eps-control-plane", "control-plane", "running", "37777"),
                kmg::testing::admin_conf("eps", false)));
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    const auto* t = target(r, "eps");
    REQUIRE(t != nullptr);
    CHECK_FALSE(t->rest.has_value());
    CHECK(has_problem(*t, "no kubeconfig for cluster eps"));
    CHECK(t->problems.size() >= 2);
  }

  TEST_CASE("an engine that refuses is reported; another engine's clusters are still found") {
    TempDir home;
    auto refusing = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    refusing->refuse("permission denied");
    auto podman = std::make_shared<MemoryEngine>("podman", "/run/podman/podman.sock");
    podman->add(node(kind_node("zeta", "zeta-control-plane", "control-plane", "running", "36001"),
                     kmg::testing::admin_conf("zeta")));
    const auto r = kmg::discovery::discover(options_for(home, {refusing, podman}));
    REQUIRE(r.engines.size() == 2);
    CHECK(r.engines[0].error ==
          "docker at /var/run/docker.sock: GET /containers/json: permission denied");
    CHECK(r.engines[1].error.empty());
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].provider == "podman");
  }

  TEST_CASE("two engines with the same cluster name give two targets, each with its provider") {
    TempDir home;
    auto docker = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    auto podman = std::make_shared<MemoryEngine>("podman", "/run/podman/podman.sock");
    docker->add(node(kind_node("same", "same-control-plane", "control-plane", "running", "30001"),
                     kmg::testing::admin_conf("same")));
    podman->add(node(kind_node("same", "same-control-plane", "control-plane", "running", "30002"),
                     kmg::testing::admin_conf("same")));
    podman->add(node(kind_node("other", "other-control-plane", "control-plane", "running", "30003"),
                     kmg::testing::admin_conf("other")));
    const auto r = kmg::discovery::discover(options_for(home, {docker, podman}));
    REQUIRE(r.targets.size() == 3);
    const auto* d = target(r, "same", "docker");
    const auto* p = target(r, "same", "podman");
    REQUIRE(d != nullptr);
    REQUIRE(p != nullptr);
    CHECK(d->rest->server == "https://127.0.0.1:30001");
    CHECK(p->rest->server == "https://127.0.0.1:30002");
    CHECK(p->engine == podman);
  }

  TEST_CASE("--cluster filter, unknown names noted, no clusters is a result") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("one", "one-control-plane", "control-plane", "running", "31001"),
                kmg::testing::admin_conf("one")));
    e->add(node(kind_node("two", "two-control-plane", "control-plane", "running", "31002"),
                kmg::testing::admin_conf("two")));
    auto o = options_for(home, {e});
    o.clusters = {"two", "three"};
    auto r = kmg::discovery::discover(o);
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].name == "two");
    CHECK(std::find(r.notes.begin(), r.notes.end(),
                    "--cluster three: no Kind cluster with that name") != r.notes.end());

    auto empty = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    r = kmg::discovery::discover(options_for(home, {empty}));
    CHECK(r.targets.empty());
    CHECK(r.notes == std::vector<std::string>{"no Kind clusters found"});

    o.no_kind = true;
    r = kmg::discovery::discover(o);
    CHECK(r.targets.empty());
    CHECK(e->calls("list") == 1);  // listed by the first discover only, not with --no-kind
  }

  TEST_CASE("--kubeconfig and --context add non-Kind targets; a Kind duplicate is gathered once") {
    TempDir home;
    const std::string extra = home.write(
        "extra.yaml", kmg::testing::kind_user_kubeconfig("remote", "https://10.1.2.3:6443"));
    const std::string dup = home.write(
        "dup.yaml", kmg::testing::kind_user_kubeconfig("one", "https://127.0.0.1:32001"));
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("one", "one-control-plane", "control-plane", "running", "32001"),
                kmg::testing::admin_conf("one")));
    auto o = options_for(home, {e});
    o.kubeconfigs = {extra, dup};
    o.contexts = {"kind-remote", "kind-one", "missing"};
    const auto r = kmg::discovery::discover(o);
    const auto* remote = target(r, "kind-remote");
    REQUIRE(remote != nullptr);
    CHECK(remote->provider == "kubeconfig");
    CHECK(remote->engine == nullptr);
    CHECK(remote->rest->server == "https://10.1.2.3:6443");
    CHECK(target(r, "kind-one") == nullptr);
    const auto* missing = target(r, "missing");
    REQUIRE(missing != nullptr);
    CHECK_FALSE(missing->rest.has_value());
    CHECK(has_problem(*missing, "context \"missing\" not found"));
    CHECK(std::any_of(r.notes.begin(), r.notes.end(), [](const std::string& n) {
      return n.find("context kind-one is Kind cluster one") != std::string::npos;
    }));
  }

  TEST_CASE("the seed case: four e2e clusters, none called kind, nothing in ~/.kube/config") {
    TempDir home;
    home.write(".kube/config", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n");
    auto e = std::make_shared<MemoryEngine>("podman", "/run/podman/podman.sock");
    const std::vector<std::string> names{"gateway-e2e", "authwebhook-e2e", "notification-e2e",
                                         "ro-e2e"};
    int port = 42000;
    for (const auto& n : names) {
      e->add(node(
          kind_node(n, n + "-control-plane", "control-plane", "running", std::to_string(++port)),
          kmg::testing::admin_conf(n)));
      e->add(node(kind_node(n, n + "-worker", "worker")));
    }
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    REQUIRE(r.targets.size() == 4);
    for (const auto& n : names) {
      const auto* t = target(r, n);
      REQUIRE(t != nullptr);
      REQUIRE(t->rest.has_value());
      CHECK(t->rest->context == "kind-" + n);
      CHECK(t->rest->server.rfind("https://127.0.0.1:420", 0) == 0);
      CHECK(t->problems.empty());
    }
  }

  TEST_CASE("helpers: first file of a tar, server URLs") {
    CHECK(kmg::discovery::first_file_in_tar(kmg::testing::make_tar("admin.conf", "abc")) == "abc");
    CHECK_THROWS_AS(kmg::discovery::first_file_in_tar("not a tar"), kmg::Error);
    CHECK(kmg::discovery::server_url("", "1") == "https://127.0.0.1:1");
    CHECK(kmg::discovery::server_url("0.0.0.0", "2") == "https://127.0.0.1:2");
    CHECK(kmg::discovery::server_url("::", "3") == "https://[::1]:3");
    CHECK(kmg::discovery::server_url("192.168.1.5", "4") == "https://192.168.1.5:4");
  }

  TEST_CASE("clusters table and JSON show nodes, endpoint, source, reachability and problems") {
    TempDir home;
    auto e = std::make_shared<MemoryEngine>("docker", "/var/run/docker.sock");
    e->add(node(kind_node("tab", "tab-control-plane", "control-plane", "running", "33001"),
                kmg::testing::admin_conf("tab")));
    e->add(node(kind_node("tab", "tab-worker", "worker", "exited")));
    const auto r = kmg::discovery::discover(options_for(home, {e}));
    kmg::discovery::Reachability ok;
    ok.ok = true;
    ok.git_version = "v1.32.2";
    const std::string table = kmg::discovery::render_clusters_table(r, {ok});
    CHECK(table.find("NAME") == 0);
    CHECK(table.find("tab-control-plane(control-plane,running) tab-worker(worker,exited)") !=
          std::string::npos);
    CHECK(table.find("https://127.0.0.1:33001") != std::string::npos);
    CHECK(table.find("admin.conf from tab-control-plane (docker)") != std::string::npos);
    CHECK(table.find("v1.32.2") != std::string::npos);
    CHECK(table.find("tab (docker): worker node tab-worker is exited") != std::string::npos);

    kmg::discovery::Reachability down;
    down.error = "connection refused";
    const auto j = kmg::discovery::clusters_json(r, {down});
    CHECK(j["clusters"][0]["name"] == "tab");
    CHECK(j["clusters"][0]["server"] == "https://127.0.0.1:33001");
    CHECK(j["clusters"][0]["reachable"]["ok"] == false);
    CHECK(j["clusters"][0]["reachable"]["error"] == "connection refused");
    CHECK(j["clusters"][0]["nodes"].size() == 2);
    CHECK(j["engines"][0]["endpoint"] == "/var/run/docker.sock");
  }

  TEST_CASE("probe_version reads gitVersion, reports errors") {
    kmg::testing::MemoryKubeApi api;
    api.set("/version", R"({"major":"1","minor":"32","gitVersion":"v1.32.2"})");
    auto p = kmg::discovery::probe_version(api);
    CHECK(p.ok);
    CHECK(p.git_version == "v1.32.2");
    kmg::testing::MemoryKubeApi empty;
    p = kmg::discovery::probe_version(empty);
    CHECK_FALSE(p.ok);
    CHECK_FALSE(p.error.empty());
  }
}

TEST_SUITE("discovery") {
  TEST_CASE("one engine reached two ways (socket and CLI) lists its containers once") {
    TempDir home;
    auto socket = std::make_shared<MemoryEngine>("podman", "/run/podman/podman.sock");
    auto cli = std::make_shared<MemoryEngine>("docker", "docker");
    auto full = kind_node("dup", "dup-control-plane", "control-plane", "running", "30005");
    full.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    auto short_id = full;
    short_id.id = full.id.substr(0, 12);  // what `docker ps` prints
    socket->add(node(full, kmg::testing::admin_conf("dup")));
    cli->add(node(short_id, kmg::testing::admin_conf("dup")));
    const auto r = kmg::discovery::discover(options_for(home, {socket, cli}));
    REQUIRE(r.targets.size() == 1);
    CHECK(r.targets[0].provider == "podman");
  }
}
