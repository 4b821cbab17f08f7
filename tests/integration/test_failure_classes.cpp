// Each failure class of tests/scenarios/classes/ end to end: the fake kube-apiserver serves the
// scenario, the real binary gathers it through a kubeconfig, and report.json's cause graph must
// name the scenario's expected root cause ("expect" in the file), its verdict the expected words,
// and no finding of a detector the scenario lists as absent.
//
// A scenario file: {"name", "cluster", "objects", "logs", ...as the fake serves them,
//   "expect": {"root_detectors": [...], "effect_detectors": [...], "verdict_contains": [...],
//              "absent_detectors": [...]}}
// effect_detectors: findings that must be there, each explained by a root cause (not a root).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "fake_apiserver_process.h"
#include "fixture.h"
#include "scenario.h"
#include "util/text.h"

using nlohmann::json;

namespace {

std::vector<std::string> class_scenarios() {
  std::vector<std::string> out;
  const std::string dir = kmg::testing::source_root() + "/tests/scenarios/classes";
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> root_detectors(const json& report) {
  std::vector<std::string> ids, detectors;
  for (const auto& r : report["graph"]["root_causes"]) ids.push_back(r["id"].get<std::string>());
  for (const auto& f : report["findings"])
    if (std::find(ids.begin(), ids.end(), f["id"].get<std::string>()) != ids.end())
      detectors.push_back(f["detector"].get<std::string>());
  return detectors;
}

// report.json of a real gather of `path`, served by the fake kube-apiserver as cluster `cluster`.
json gathered_report(const std::string& path, const std::string& cluster) {
  kmg::testing::TempDir dir;
  auto api = kmg::testing::FakeApiserver::start({.scenarios = {path}, .cluster_name = cluster});
  const auto g = kmg::reliability::gather(dir, {"--kubeconfig", api.kubeconfig_path()},
                                          std::chrono::seconds(120));
  REQUIRE(g.bundle_exists);
  const auto it = g.files.find("report.json");
  REQUIRE(it != g.files.end());
  return json::parse(it->second);
}

void check_scenario(const std::string& path) {
  const json scenario = kmg::integration::load_scenario(path);
  const json& expect = scenario["expect"];
  REQUIRE_MESSAGE(expect.is_object(), path << " has no \"expect\"");
  const json report = gathered_report(path, scenario.value("cluster", "kind"));
  const auto roots = root_detectors(report);
  const std::string verdict = report["verdict"].get<std::string>();
  INFO("verdict: " << verdict);
  INFO("root detectors: " << kmg::join(roots, ", "));
  for (const auto& d : expect.value("root_detectors", json::array()))
    CHECK_MESSAGE(std::find(roots.begin(), roots.end(), d.get<std::string>()) != roots.end(),
                  d.get<std::string>() << " is not a root cause");
  for (const auto& words : expect.value("verdict_contains", json::array()))
    CHECK_MESSAGE(verdict.find(words.get<std::string>()) != std::string::npos,
                  "the verdict does not say " << words.get<std::string>());
  for (const auto& d : expect.value("effect_detectors", json::array())) {
    const bool found = std::any_of(report["findings"].begin(), report["findings"].end(),
                                   [&](const json& f) { return f["detector"] == d; });
    CHECK_MESSAGE(found, "no finding of " << d.get<std::string>());
    CHECK_MESSAGE(std::find(roots.begin(), roots.end(), d.get<std::string>()) == roots.end(),
                  d.get<std::string>() << " should be an effect, not a root cause");
  }
  for (const auto& d : expect.value("absent_detectors", json::array()))
    for (const auto& f : report["findings"])
      CHECK_MESSAGE(f["detector"] != d, "unexpected finding " << f["id"].get<std::string>());
}

}  // namespace

TEST_CASE("every failure class scenario names its root cause") {
  const auto scenarios = class_scenarios();
  REQUIRE_FALSE(scenarios.empty());
  for (const auto& path : scenarios) {
    SUBCASE(std::filesystem::path(path).stem().string().c_str()) { check_scenario(path); }
  }
}

TEST_CASE("the healthy scenario yields no finding") {
  const std::string path = kmg::testing::source_root() + "/tests/scenarios/healthy.json";
  const json report = gathered_report(path, "healthy");
  INFO("verdict: " << report["verdict"].get<std::string>());
  for (const auto& f : report["findings"]) CHECK_MESSAGE(false, "finding " << f["id"]);
  CHECK(report["findings"].empty());
}
