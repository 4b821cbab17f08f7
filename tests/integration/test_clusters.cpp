// `kind-must-gather clusters` on a machine with two Kind clusters (two fake apiservers behind
// kind-like node containers on podman): both are listed, reachable, and the command exits 0.
#include <algorithm>
#include <filesystem>

#include <doctest/doctest.h>

#include "fixture.h"
#include "kind_nodes.h"

using kmg::testing::PodmanFixture;

namespace {

struct TwoClusters {
  kmg::testing::TempDir dir;
  std::vector<std::string> names = {PodmanFixture::unique_name("alpha"),
                                    PodmanFixture::unique_name("beta")};
  std::vector<std::string> versions = {"1.31", "1.33"};  // tells the two apart in the table
  std::vector<kmg::testing::FakeApiserver> apis;
  std::string home = dir.path() + "/home";

  TwoClusters() {
    std::filesystem::create_directories(home);
    for (std::size_t i = 0; i < names.size(); ++i) {
      kmg::testing::FakeApiserverOptions options;
      options.cluster_name = names[i];
      options.server_version = versions[i];
      apis.push_back(kmg::testing::FakeApiserver::start(options));
      kmg::integration::add_kind_nodes(kmg::testing::podman_fixture(), apis.back(), names[i]);
    }
  }

  // `clusters` limited to these two: other tests' kind-like containers may share the storage.
  kmg::reliability::RunResult run(const std::vector<std::string>& extra) const {
    std::vector<std::string> args = {kmg::reliability::kmg_exe(), "clusters"};
    for (const auto& n : names) args.insert(args.end(), {"--cluster", n});
    args.insert(args.end(), extra.begin(), extra.end());
    return kmg::reliability::run_process(
        args, std::chrono::seconds(120),
        kmg::integration::podman_env(kmg::testing::podman_fixture(), home));
  }
};

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("clusters: both podman-discovered clusters in the table, reachable, exit 0") {
    TwoClusters c;
    const auto r = c.run({});
    INFO("stdout: ", r.out, "\nstderr: ", r.err);
    CHECK(r.exit_code == 0);
    for (std::size_t i = 0; i < c.names.size(); ++i) {
      const std::string row = kmg::reliability::line_with(r.out, c.names[i] + " ");
      INFO("row: ", row);
      REQUIRE_FALSE(row.empty());
      CHECK(row.find("podman") != std::string::npos);
      CHECK(row.find("v" + c.versions[i]) != std::string::npos);
      CHECK(row.find("127.0.0.1:" + std::to_string(c.apis[i].port())) != std::string::npos);
    }
  }

  TEST_CASE("clusters --output json: both clusters, their nodes and API servers") {
    TwoClusters c;
    const auto r = c.run({"--output", "json"});
    INFO("stdout: ", r.out, "\nstderr: ", r.err);
    CHECK(r.exit_code == 0);
    const auto doc = nlohmann::json::parse(r.out);
    REQUIRE(doc["clusters"].size() == c.names.size());
    for (std::size_t i = 0; i < c.names.size(); ++i) {
      const auto it =
          std::find_if(doc["clusters"].begin(), doc["clusters"].end(),
                       [&](const auto& e) { return e.value("name", "") == c.names[i]; });
      REQUIRE(it != doc["clusters"].end());
      CHECK(it->value("provider", "") == "podman");
      CHECK(it->value("server", "") == "https://127.0.0.1:" + std::to_string(c.apis[i].port()));
      CHECK((*it)["nodes"].size() == 2);
      CHECK((*it)["reachable"].value("ok", false));
      CHECK((*it)["reachable"].value("gitVersion", "").rfind("v" + c.versions[i], 0) == 0);
    }
  }
}
