#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
namespace layout = kmg::bundle::layout;

namespace {

// True when `relpath`, normalised, stays under `dir` and has no ".." or empty component.
bool stays_under(const std::string& relpath, const std::string& dir) {
  const auto normal = fs::path(relpath).lexically_normal().generic_string();
  if (normal != relpath) return false;
  for (const auto& part : fs::path(relpath)) {
    if (part == ".." || part == "." || part.empty()) return false;
  }
  return relpath.rfind(dir + "/", 0) == 0 && relpath.find('\0') == std::string::npos;
}

}  // namespace

TEST_SUITE("bundle::layout") {
  TEST_CASE("ordinary names give the documented paths") {
    CHECK(layout::pod_yaml("kind", "default", "web-1") ==
          "clusters/kind/namespaces/default/pods/web-1/pod.yaml");
    CHECK(layout::container_log("kind", "ns", "p", "c", true) ==
          "clusters/kind/namespaces/ns/pods/p/logs/c.previous.log");
    CHECK(
        layout::object_yaml("kind", "", "apiextensions.k8s.io", "customresourcedefinitions", "x") ==
        "clusters/kind/cluster-scoped/apiextensions.k8s.io/customresourcedefinitions/x.yaml");
    CHECK(layout::object_yaml("kind", "ns", "", "configmaps", "cm") ==
          "clusters/kind/namespaces/ns/core/configmaps/cm.yaml");
    CHECK(layout::list_json("kind", "apps", "deployments") ==
          "clusters/kind/lists/deployments.apps.json");
  }

  TEST_CASE("hostile names never escape the cluster folder") {
    const std::vector<std::string> hostile = {
        "..", ".", "a/../../b", "/etc", std::string("x\0y", 3), "../../../../tmp", "", "a\nb"};
    for (const auto& name : hostile) {
      CAPTURE(name);
      const std::string cluster_dir = layout::cluster_dir(name);
      CHECK(stays_under(cluster_dir + "/x", "clusters"));
      const std::vector<std::string> paths = {
          layout::pod_yaml(name, name, name),
          layout::pod_describe(name, name, name),
          layout::container_log(name, name, name, name, false),
          layout::object_yaml(name, name, name, name, name),
          layout::object_yaml(name, "", name, name, name),
          layout::node_yaml(name, name),
          layout::list_json(name, name, name),
          layout::traces_json(name, name, name),
          layout::events_json(name),
      };
      for (const auto& path : paths) {
        CAPTURE(path);
        CHECK(stays_under(path, cluster_dir));
      }
    }
  }

  TEST_CASE("hostile names land inside the staging folder when written") {
    kmg::testing::TempDir tmp;
    kmg::bundle::BundleWriter writer(
        kmg::bundle::OutputSpec{tmp.path() + "/out", kmg::bundle::Format::kDirectory, "t"}, 0);
    const std::string name = "../../escape";
    REQUIRE(writer.write_file(layout::pod_yaml(name, name, name), "x"));
    std::size_t files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(tmp.path())) {
      if (!entry.is_regular_file()) continue;
      ++files;
      const auto rel = entry.path().lexically_relative(writer.staging_dir()).generic_string();
      CHECK(rel.rfind("clusters/", 0) == 0);
    }
    CHECK(files == 1);
  }
}

TEST_SUITE("bundle::manifest") {
  TEST_CASE("to_json has the documented shape, sorted keys and failures in order") {
    kmg::bundle::Manifest manifest;
    manifest.update([](kmg::bundle::ManifestRecord& r) {
      r.tool = kmg::bundle::ToolRecord{"kind-must-gather", ""};
      r.started_at = "2026-02-04T10:15:00Z";
    });
    manifest.update_cluster("kind", [](kmg::bundle::ClusterRecord& c) { c.provider = "podman"; });
    manifest.add_request("kind", "pods", 100);
    manifest.add_request("kind", "pods", 50);
    manifest.add_items("kind", "pods", 3);
    manifest.add_seconds("kind", "pods", 1.5);
    manifest.add_failure({"kind", "logs", "GET", "/api/v1/z", 500, "boom"});
    manifest.add_failure({"kind", "logs", "GET", "/api/v1/a", 0, "connection refused"});
    manifest.add_note("kind", "node kind-worker is stopped: no node logs");
    manifest.add_request("other", "events", 7);
    CHECK(manifest.failure_count() == 2);

    const auto json = manifest.to_json();
    CHECK(json["tool"]["name"] == "kind-must-gather");
    CHECK(json["started_at"] == "2026-02-04T10:15:00Z");
    const auto& kind = json["clusters"]["kind"];
    CHECK(kind["provider"] == "podman");
    CHECK(kind["collectors"]["pods"] ==
          nlohmann::json{
              {"requests", 2}, {"failures", 0}, {"bytes", 150}, {"items", 3}, {"seconds", 1.5}});
    CHECK(kind["collectors"]["logs"]["failures"] == 2);
    REQUIRE(kind["failures"].size() == 2);
    CHECK(kind["failures"][0] == nlohmann::json{{"collector", "logs"},
                                                {"method", "GET"},
                                                {"path", "/api/v1/z"},
                                                {"status", 500},
                                                {"message", "boom"}});
    CHECK(kind["failures"][1]["path"] == "/api/v1/a");
    CHECK(kind["notes"] == nlohmann::json::array({"node kind-worker is stopped: no node logs"}));
    CHECK(json["clusters"]["other"]["failures"] == nlohmann::json::array());
    CHECK(json["clusters"]["other"]["collectors"]["events"]["bytes"] == 7);

    // Deterministic text: keys sorted at every level.
    const std::string text = json.dump();
    CHECK(text.find("\"clusters\"") < text.find("\"started_at\""));
    CHECK(text.find("\"started_at\"") < text.find("\"tool\""));
    CHECK(text == manifest.to_json().dump());
  }

  TEST_CASE("work of no cluster is reported as general, not as a cluster") {
    kmg::bundle::Manifest manifest;
    manifest.add_request("", "attachments", 5);
    manifest.add_failure({"", "attachments", "COPY", "/missing", 0, "no such file"});
    const auto json = manifest.to_json();
    CHECK(json["clusters"].empty());
    CHECK(json["general"]["collectors"]["attachments"]["bytes"] == 5);
    CHECK(json["general"]["failures"][0]["path"] == "/missing");
    CHECK(manifest.failure_count() == 1);
  }

  TEST_CASE("recording from many threads loses nothing") {
    kmg::bundle::Manifest manifest;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&manifest] {
        for (int i = 0; i < 1000; ++i) {
          manifest.add_request("kind", "pods", 1);
          if (i % 100 == 0) manifest.add_failure({"kind", "pods", "GET", "/p", 503, "busy"});
        }
      });
    }
    for (auto& th : threads) th.join();
    const auto json = manifest.to_json();
    CHECK(json["clusters"]["kind"]["collectors"]["pods"]["requests"] == 4000);
    CHECK(json["clusters"]["kind"]["collectors"]["pods"]["bytes"] == 4000);
    CHECK(manifest.failure_count() == 40);
  }
}
