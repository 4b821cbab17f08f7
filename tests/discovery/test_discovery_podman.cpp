// Discovery against real podman (private socket; created-not-started kind-like nodes) and, through
// the rewritten kubeconfig, the fake apiserver.
#include <algorithm>

#include <doctest/doctest.h>

#include "discovery/clusters_table.h"
#include "discovery/discover.h"
#include "engine/socket_engine.h"
#include "fake_apiserver_process.h"
#include "kind_kubeconfig.h"
#include "kube/http_client.h"
#include "podman_fixture.h"
#include "temp_dir.h"

using kmg::testing::podman_fixture;
using kmg::testing::PodmanFixture;
using kmg::testing::TempDir;

namespace {

kmg::discovery::DiscoveryOptions podman_options(const TempDir& home,
                                                std::vector<std::string> clusters) {
  kmg::discovery::DiscoveryOptions o;
  o.engines = {
      std::make_shared<kmg::engine::SocketEngine>(podman_fixture().socket_path(), "docker")};
  o.kube_env.home = home.path();
  o.clusters = std::move(clusters);
  return o;
}

}  // namespace

TEST_SUITE("discovery-podman") {
  TEST_CASE("seed case on podman: four e2e clusters found, admin.conf read, ports rewritten") {
    auto& f = podman_fixture();
    TempDir home;
    home.write(".kube/config", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n");
    const std::string suffix = PodmanFixture::unique_name("s").substr(2);
    std::vector<std::string> names;
    std::map<std::string, int> ports;
    for (const char* base : {"gateway-e2e", "authwebhook-e2e", "notification-e2e", "ro-e2e"}) {
      const std::string name = std::string(base) + "-" + suffix;
      names.push_back(name);
      PodmanFixture::Node cp;
      cp.cluster = name;
      cp.host_port = ports[name] = PodmanFixture::free_port();
      cp.admin_conf = kmg::testing::admin_conf(name);
      f.create_node(cp);
      PodmanFixture::Node worker;
      worker.cluster = name;
      worker.role = "worker";
      f.create_node(worker);
    }
    const auto r = kmg::discovery::discover(podman_options(home, names));
    REQUIRE(r.targets.size() == 4);
    REQUIRE(r.engines.size() == 1);
    CHECK(r.engines[0].provider == "podman");
    for (const auto& name : names) {
      const auto it = std::find_if(r.targets.begin(), r.targets.end(),
                                   [&](const auto& t) { return t.name == name; });
      REQUIRE(it != r.targets.end());
      CHECK(it->provider == "podman");
      CHECK(it->nodes.size() == 2);
      REQUIRE(it->rest.has_value());
      CHECK(it->rest->server == "https://127.0.0.1:" + std::to_string(ports[name]));
      CHECK(it->rest->context == "kind-" + name);
      CHECK(it->kubeconfig_source == "admin.conf from " + name + "-control-plane (podman)");
      // Created, never started: reported, not fatal.
      CHECK(std::any_of(it->problems.begin(), it->problems.end(), [&](const std::string& p) {
        return p == "control-plane node " + name + "-control-plane is created";
      }));
    }
  }

  TEST_CASE("a node without a published port and without admin.conf: one-line problems") {
    auto& f = podman_fixture();
    TempDir home;
    const std::string name = PodmanFixture::unique_name("kmgbare");
    PodmanFixture::Node cp;
    cp.cluster = name;
    f.create_node(cp);
    const auto r = kmg::discovery::discover(podman_options(home, {name}));
    REQUIRE(r.targets.size() == 1);
    const auto& t = r.targets[0];
    CHECK_FALSE(t.rest.has_value());
    CHECK(std::any_of(t.problems.begin(), t.problems.end(), [&](const std::string& p) {
      return p.find("has no host port published for 6443/tcp") != std::string::npos;
    }));
    CHECK(std::any_of(t.problems.begin(), t.problems.end(), [&](const std::string& p) {
      return p.find("/archive?path=") != std::string::npos;
    }));
  }

  TEST_CASE("probe_version reaches the fake apiserver through the rewritten kubeconfig") {
    auto& f = podman_fixture();
    TempDir home;
    const std::string name = PodmanFixture::unique_name("kmgreach");
    kmg::testing::FakeApiserverOptions fo;
    fo.cluster_name = name;
    fo.server_version = "1.32";
    auto api = kmg::testing::FakeApiserver::start(fo);
    PodmanFixture::Node cp;
    cp.cluster = name;
    cp.host_port = api.port();  // the node never runs, so the fake apiserver owns the port
    cp.admin_conf = kmg::testing::read_file(api.admin_conf_path());
    f.create_node(cp);

    const auto r = kmg::discovery::discover(podman_options(home, {name}));
    REQUIRE(r.targets.size() == 1);
    REQUIRE(r.targets[0].rest.has_value());
    CHECK(r.targets[0].rest->server == "https://127.0.0.1:" + std::to_string(api.port()));
    kmg::kube::CurlKubeApi client(*r.targets[0].rest, {});
    const auto probe = kmg::discovery::probe_version(client);
    CHECK_MESSAGE(probe.ok, probe.error);
    CHECK(probe.git_version.rfind("v1.32", 0) == 0);
    const std::string table = kmg::discovery::render_clusters_table(r, {probe});
    CHECK(table.find(probe.git_version) != std::string::npos);
  }
}
