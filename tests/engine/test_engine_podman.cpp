// SocketEngine and CliEngine against real podman (private socket, created-not-started nodes).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "engine/cli_engine.h"
#include "engine/inspect.h"
#include "engine/socket_engine.h"
#include "podman_fixture.h"
#include "util/errors.h"

using kmg::testing::podman_fixture;
using kmg::testing::PodmanFixture;
namespace engine = kmg::engine;

TEST_SUITE("engine-podman") {
  TEST_CASE("podman socket: provider, list by label, ports of a never-started node, archive") {
    auto& f = podman_fixture();
    const std::string cluster = PodmanFixture::unique_name("kmgeng");
    const int port = PodmanFixture::free_port();
    PodmanFixture::Node node;
    node.cluster = cluster;
    node.host_port = port;
    node.admin_conf = "apiVersion: v1\nkind: Config\n# marker-" + cluster + "\n";
    const std::string id = f.create_node(node);
    PodmanFixture::Node worker;
    worker.cluster = cluster;
    worker.role = "worker";
    f.create_node(worker);

    engine::SocketEngine e(f.socket_path(), "docker");
    e.ping();
    CHECK(e.provider() == "podman");
    CHECK_FALSE(e.api_version().empty());

    auto cs = e.list_containers("io.x-k8s.kind.cluster=" + cluster).containers;
    REQUIRE(cs.size() == 2);
    std::sort(cs.begin(), cs.end(), [](auto& a, auto& b) { return a.name < b.name; });
    CHECK(cs[0].name == cluster + "-control-plane");
    CHECK(cs[0].id == id);
    CHECK(cs[0].state == "created");
    CHECK(cs[0].labels.at("io.x-k8s.kind.role") == "control-plane");
    CHECK(cs[1].labels.at("io.x-k8s.kind.role") == "worker");

    // What podman reports for a created-not-running container: whichever of NetworkSettings.Ports
    // or HostConfig.PortBindings carries it, published_ports must find the port.
    const auto doc = nlohmann::json::parse(e.inspect(id).json);
    const auto ports = engine::published_ports(doc, "6443/tcp");
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].host_port == std::to_string(port));
    CHECK(ports[0].host_ip == "127.0.0.1");
    CHECK(engine::inspect_tty(doc));
    CHECK(engine::inspect_state(doc) == "created");

    std::string tar;
    const auto got = e.archive(id, "/etc/kubernetes/admin.conf",
                               [&](std::string_view c) {
                                 tar.append(c);
                                 return true;
                               },
                               {});
    CHECK(got.ok());
    CHECK(tar.find("admin.conf") != std::string::npos);
    CHECK(tar.find("# marker-" + cluster) != std::string::npos);

    const auto none =
        e.archive(id, "/etc/kubernetes/none.conf", [](std::string_view) { return true; }, {});
    CHECK(none.kind == engine::ErrorKind::not_found);
    CHECK(none.error.find("podman at " + f.socket_path() + ": GET /v") != std::string::npos);
    // Exec needs a running container: the error names engine, socket and request.
    const auto not_running =
        e.exec(id, {"cat", "/kind/version"}, [](std::string_view) { return true; }, {});
    CHECK(not_running.kind == engine::ErrorKind::not_running);
    CHECK(not_running.error.find("/containers/" + id + "/exec") != std::string::npos);
  }

  TEST_CASE("podman CLI engine sees the same nodes and reads files of a stopped node") {
    auto& f = podman_fixture();
    const std::string cluster = PodmanFixture::unique_name("kmgcli");
    const int port = PodmanFixture::free_port();
    PodmanFixture::Node node;
    node.cluster = cluster;
    node.host_port = port;
    node.admin_conf = "marker-" + cluster + "\n";
    f.create_node(node);

    engine::CliEngine cli("podman", "podman");
    CHECK(cli.check_available().ok());
    const auto cs = cli.list_containers("io.x-k8s.kind.cluster=" + cluster).containers;
    REQUIRE(cs.size() == 1);
    CHECK(cs[0].name == cluster + "-control-plane");
    CHECK(cs[0].state == "created");
    REQUIRE(cs[0].ports.size() == 1);
    CHECK(cs[0].ports[0].host_port == std::to_string(port));
    const auto ports =
        engine::published_ports(nlohmann::json::parse(cli.inspect(cs[0].name).json), "6443/tcp");
    REQUIRE(ports.size() == 1);
    CHECK(ports[0].host_port == std::to_string(port));
    std::string tar;
    cli.archive(cs[0].id, "/etc/kubernetes/admin.conf",
                [&](std::string_view c) {
                  tar.append(c);
                  return true;
                },
                {});
    CHECK(tar.find("marker-" + cluster) != std::string::npos);
  }
}
