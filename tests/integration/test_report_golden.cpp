// REPORT.md of the seed scenario: equal to the checked-in golden once what varies per run is
// normalised, re-rendered byte for byte by `kind-must-gather report`, valid Markdown tables, and
// its findings name the seed's failures (each expected value read from seed.json).
//
// Regenerate the golden after an intended change of the report:
//   KMG_UPDATE_GOLDEN=1 meson test -C build integration_report_golden
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include <doctest/doctest.h>

#include "fake_apiserver_process.h"
#include "fixture.h"
#include "scenario.h"
#include "util/text.h"

using kmg::integration::objects_of_kind;
using nlohmann::json;

namespace {

struct Seed {
  kmg::testing::TempDir dir;
  json scenario = kmg::integration::load_scenario(kmg::reliability::seed_scenario());
  kmg::reliability::Gathered gathered;
};

// One gather through a kubeconfig (no podman needed, so the golden is checked everywhere) of the
// seed cluster under its own name, with the e2e JUnit attached as ci/demo.sh does. No
// --trace-lookback, as in the demo: the default window (the cluster's lifetime) reads its traces.
const Seed& seed() {
  static const Seed* s = [] {
    auto* out = new Seed();  // lives for the program: doctest cases share it
    auto api = kmg::testing::FakeApiserver::start(
        {.scenarios = {kmg::reliability::seed_scenario()}, .cluster_name = "gateway-e2e"});
    out->gathered =
        kmg::reliability::gather(out->dir,
                                 {"--kubeconfig", api.kubeconfig_path(), "--attach",
                                  kmg::testing::source_root() + "/tests/scenarios/demo-junit.xml"},
                                 std::chrono::seconds(180), "seed.tar.gz");
    return out;
  }();
  return *s;
}

// What legitimately differs between two runs of the same gather, and nothing else:
// - the "Collected <start> to <end> by kind-must-gather <version>." line (gather time, version);
// - the Age column of the Pods table (creation time to gather time grows with the date);
// - the size of manifest.json in the bundle index (it holds temp paths and the port).
std::string normalise(const std::string& report) {
  std::string out;
  bool pods_table = false;
  static const std::regex collected(R"(^Collected \S+ to \S+ by kind-must-gather \S+\.$)");
  static const std::regex age_cell(R"(\| [0-9]+[smhdy]([0-9]+[smhd])? \|$)");
  static const std::regex manifest_size(R"(^(\s*- \[manifest\.json\]\(manifest\.json\)) \(.*\)$)");
  for (const auto& line : kmg::split(report, '\n')) {
    std::string l = line;
    if (l.rfind("| Cluster | Pod |", 0) == 0) pods_table = l.find("| Age |") != std::string::npos;
    if (l.empty() || l[0] != '|') pods_table = false;
    if (std::regex_match(l, collected)) {
      l = "Collected <start> to <end> by kind-must-gather <version>.";
    } else if (pods_table) {
      l = std::regex_replace(l, age_cell, "| <age> |");
    } else {
      l = std::regex_replace(l, manifest_size, "$1 (<size>)");
    }
    out += l + "\n";
  }
  out.pop_back();  // split() gave one more line than there were newlines
  return out;
}

std::string golden_path() {
  return kmg::testing::source_root() + "/tests/integration/golden/seed-REPORT.md";
}

// The "### N. ..." block of the Findings section that mentions every one of `needles`.
std::string finding_with(const std::string& report, const std::vector<std::string>& needles) {
  const auto start = report.find("## Findings");
  const auto end = report.find("\n## ", start + 1);
  const std::string findings = report.substr(start, end - start);
  for (std::size_t at = findings.find("\n### "); at != std::string::npos;) {
    const auto next = findings.find("\n### ", at + 1);
    const std::string block = findings.substr(at, next == std::string::npos ? next : next - at);
    bool all = true;
    for (const auto& n : needles) all = all && block.find(n) != std::string::npos;
    if (all) return block;
    at = next;
  }
  return "";
}

// The container statuses of the scenario's pods whose lastState.terminated.reason is `reason`.
std::vector<std::pair<json, json>> terminated_with(const json& scenario,
                                                   const std::string& reason) {
  std::vector<std::pair<json, json>> out;
  for (const auto& pod : objects_of_kind(scenario, "Pod")) {
    for (const auto& cs : pod["status"].value("containerStatuses", json::array())) {
      if (cs.contains("lastState") && cs["lastState"].contains("terminated") &&
          cs["lastState"]["terminated"].value("reason", "") == reason && cs.contains("state") &&
          cs["state"].contains("waiting")) {
        out.emplace_back(pod, cs);
      }
    }
  }
  return out;
}

std::vector<std::string> log_lines(const json& scenario, const json& pod, const std::string& c,
                                   bool previous) {
  for (const auto& log : scenario["logs"]) {
    if (log.value("pod", "") == pod["metadata"].value("name", "") &&
        log.value("container", "") == c && log.value("previous", false) == previous) {
      return log["lines"].get<std::vector<std::string>>();
    }
  }
  return {};
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("REPORT.md equals the golden file after normalisation") {
    const auto& g = seed().gathered;
    INFO("stderr: ", g.run.err);
    REQUIRE(g.bundle_exists);
    REQUIRE_FALSE(g.report.empty());
    const std::string actual = normalise(g.report);
    if (const char* update = std::getenv("KMG_UPDATE_GOLDEN");
        update && std::string(update) == "1") {
      std::ofstream(golden_path(), std::ios::binary) << actual;
      MESSAGE("golden rewritten: ", golden_path());
    }
    const std::string golden = kmg::testing::read_file(golden_path());
    CHECK(actual == golden);
    // The normalisation must not hide the report: it only touched the documented places.
    CHECK(actual.size() > g.report.size() / 2);
  }

  TEST_CASE("`kind-must-gather report BUNDLE` reproduces REPORT.md byte for byte") {
    const auto& s = seed();
    REQUIRE(s.gathered.bundle_exists);
    const std::string out_dir = s.dir.path() + "/rerendered";
    std::filesystem::create_directories(out_dir);
    const auto r = kmg::reliability::run_kmg({"report", s.gathered.bundle, "--output-dir", out_dir},
                                             s.dir.path() + "/home");
    INFO("stderr: ", r.err);
    CHECK(r.exit_code == 0);
    std::vector<std::string> reports;
    for (const auto& e : std::filesystem::directory_iterator(out_dir)) {
      const std::string name = e.path().filename().string();
      if (name.size() >= 9 && name.substr(name.size() - 9) == "REPORT.md")
        reports.push_back(e.path());
    }
    REQUIRE(reports.size() == 1);
    CHECK(kmg::testing::read_file(reports[0]) == s.gathered.report);
  }

  TEST_CASE("`report` reads a Ginkgo JSON report and go test -json attached beside the JUnit") {
    const auto& s = seed();
    REQUIRE(s.gathered.bundle_exists);
    // The seed bundle as a folder, with two more attachments under names that do not say their
    // format: it is read from their content.
    for (const auto& [path, content] : s.gathered.files)
      s.dir.write("with-results/" + path, content);
    const std::string data = kmg::testing::source_root() + "/tests/report/data/";
    s.dir.write("with-results/attachments/e2e/report.json",
                kmg::testing::read_file(data + "ginkgo-report.json"));
    s.dir.write("with-results/attachments/unit-tests.log",
                kmg::testing::read_file(data + "go-test.json"));
    const std::string out_dir = s.dir.path() + "/with-results-out";
    std::filesystem::create_directories(out_dir);
    const auto r = kmg::reliability::run_kmg(
        {"report", s.dir.path() + "/with-results", "--output-dir", out_dir},
        s.dir.path() + "/home");
    INFO("stderr: ", r.err);
    REQUIRE(r.exit_code == 0);
    std::string report;
    for (const auto& e : std::filesystem::directory_iterator(out_dir))
      if (e.path().filename().string().ends_with("REPORT.md"))
        report = kmg::testing::read_file(e.path());
    REQUIRE_FALSE(report.empty());
    // The seed's JUnit (2 passed, 4 failed), Ginkgo (2, 2, 2 skipped), go test (2, 3, 1 skipped).
    CHECK(report.find("6 passed, 9 failed, 3 skipped.") != std::string::npos);
    for (const std::string row :
         {"| Shop E2E Suite | Shop checkout with a card completes an order | Timed out after "
          "120.001s. |",
          "| Shop E2E Suite | Shop catalog imports a CSV | Test Panicked |",
          "| example.com/shop/e2e | TestOrders/create | orders_test.go:42: create order: Post",
          "| example.com/shop/e2e | TestOrders | subtests failed: TestOrders/create |",
          "| example.com/shop/migrate | TestMigrate | panic: test timed out after 10s |",
          "| gateway-e2e | migrations applied | job/db-migrate failed: BackoffLimitExceeded |"}) {
      INFO("row: ", row);
      CHECK(report.find(row) != std::string::npos);
    }
    CHECK(report.find("could not parse") == std::string::npos);
  }

  TEST_CASE("REPORT.md tables render under cmark-gfm") {
    const auto& s = seed();
    REQUIRE_FALSE(s.gathered.report.empty());
    kmg::reliability::check_markdown_tables(s.gathered.report, s.dir);
  }

  TEST_CASE("findings name the image missing from the nodes") {
    const auto& s = seed();
    std::set<std::string> on_nodes;
    for (const auto& node : objects_of_kind(s.scenario, "Node")) {
      for (const auto& image : node["status"]["images"]) {
        for (const auto& name : image["names"]) on_nodes.insert(name);
      }
    }
    // Containers the kubelet could not start for want of their image.
    std::set<std::string> missing;
    for (const auto& pod : objects_of_kind(s.scenario, "Pod")) {
      const json statuses = pod.value("/status/containerStatuses"_json_pointer, json::array());
      for (const auto& cs : statuses) {
        const std::string reason = cs.value("/state/waiting/reason"_json_pointer, "");
        if (reason == "ErrImageNeverPull" || reason == "ErrImagePull" ||
            reason == "ImagePullBackOff") {
          missing.insert(cs.value("image", ""));
        }
      }
    }
    REQUIRE_FALSE(missing.empty());
    for (const auto& image : missing) {
      INFO("image: ", image);
      CHECK(on_nodes.count(image) == 0);
      CHECK_FALSE(finding_with(s.gathered.report, {image, "not loaded"}).empty());
    }
  }

  TEST_CASE("findings give the crash-looping container's exit code and last log line") {
    const auto& s = seed();
    const auto crashing = terminated_with(s.scenario, "Error");
    std::size_t checked = 0;
    for (const auto& [pod, cs] : crashing) {
      if (cs["state"]["waiting"].value("reason", "") != "CrashLoopBackOff") continue;
      const std::string container = cs.value("name", "");
      const auto lines = log_lines(s.scenario, pod, container, true);
      REQUIRE_FALSE(lines.empty());
      const std::string exit_code =
          "exit code " + std::to_string(cs["lastState"]["terminated"].value("exitCode", -1));
      INFO("container: ", container);
      // The crash-loop finding's own heading: other findings (a webhook served by the
      // container) name it too, in their evidence and causes.
      const std::string block = finding_with(
          s.gathered.report, {"❌ Container " + container, "CrashLoopBackOff", exit_code});
      REQUIRE_FALSE(block.empty());
      CHECK(block.find(kmg::integration::log_text(lines.back())) != std::string::npos);
      ++checked;
    }
    CHECK(checked > 0);
  }

  TEST_CASE("findings name the OOMKilled container and its memory limit") {
    const auto& s = seed();
    const auto oom = terminated_with(s.scenario, "OOMKilled");
    REQUIRE_FALSE(oom.empty());
    for (const auto& [pod, cs] : oom) {
      const std::string container = cs.value("name", "");
      std::string limit;
      for (const auto& c : pod["spec"]["containers"]) {
        if (c.value("name", "") == container) limit = c["resources"]["limits"].value("memory", "");
      }
      INFO("container: ", container);
      CHECK_FALSE(finding_with(s.gathered.report, {container, "OOMKilled", limit}).empty());
    }
  }

  TEST_CASE("findings name the failing readiness probe and the dependency that refuses") {
    const auto& s = seed();
    std::size_t checked = 0;
    for (const auto& pod : objects_of_kind(s.scenario, "Pod")) {
      for (const auto& c : pod["spec"]["containers"]) {
        const std::string container = c.value("name", "");
        const bool not_ready = [&] {
          for (const auto& cs : pod["status"].value("containerStatuses", json::array())) {
            if (cs.value("name", "") == container)
              return cs.contains("state") && cs["state"].contains("running") &&
                     !cs.value("ready", true);
          }
          return false;
        }();
        if (!c.contains("readinessProbe") || !not_ready) continue;
        const std::string probe_path = c["readinessProbe"]["httpGet"].value("path", "");
        INFO("container: ", container);
        CHECK_FALSE(finding_with(s.gathered.report, {"Readiness", container, probe_path}).empty());
        // The dependency: the Service whose ClusterIP the container's log says refuses.
        for (const auto& svc : objects_of_kind(s.scenario, "Service")) {
          const std::string ip = svc["spec"].value("clusterIP", "");
          bool refused = false;
          for (const auto& line : log_lines(s.scenario, pod, container, false)) {
            refused = refused || (line.find("dial tcp " + ip + ":") != std::string::npos &&
                                  line.find("connection refused") != std::string::npos);
          }
          if (!refused) continue;
          const std::string service = "Service " + svc["metadata"].value("name", "");
          INFO("dependency: ", service);
          CHECK_FALSE(
              finding_with(s.gathered.report, {container, service, "connection refused"}).empty());
          ++checked;
        }
      }
    }
    CHECK(checked > 0);
  }

  TEST_CASE("findings give the unschedulable pod's reason") {
    const auto& s = seed();
    std::size_t checked = 0;
    for (const auto& pod : objects_of_kind(s.scenario, "Pod")) {
      for (const auto& cond : pod["status"].value("conditions", json::array())) {
        if (cond.value("type", "") != "PodScheduled" || cond.value("reason", "") != "Unschedulable")
          continue;
        const std::string name = pod["metadata"].value("name", "");
        INFO("pod: ", name);
        CHECK_FALSE(finding_with(s.gathered.report, {name, cond.value("message", "")}).empty());
        ++checked;
      }
    }
    CHECK(checked > 0);
  }

  TEST_CASE("REPORT.md names every trace with an error span, and no other trace as failed") {
    const auto& s = seed();
    const std::string& report = s.gathered.report;
    const auto traces = report.find("\n## Traces");
    REQUIRE(traces != std::string::npos);
    const auto errors_at = report.find("Error spans:", traces);
    const auto errors_end = report.find("\n\n", report.find('|', errors_at));
    REQUIRE(errors_at != std::string::npos);
    const std::string error_table = report.substr(errors_at, errors_end - errors_at);
    std::size_t failed = 0;
    for (const auto& jaeger : s.scenario["jaeger"]) {
      for (const auto& trace : jaeger["traces"]) {
        bool has_error = false;
        for (const auto& span : trace["spans"]) {
          for (const auto& tag : span.value("tags", json::array())) {
            has_error = has_error || (tag.value("key", "") == "error" &&
                                      (tag["value"] == true || tag["value"] == "true"));
          }
        }
        const std::string id = trace.value("traceID", "");
        INFO("trace: ", id, " error: ", has_error);
        CHECK((error_table.find(id) != std::string::npos) == has_error);
        failed += has_error ? 1 : 0;
      }
    }
    CHECK(failed > 0);
  }

  TEST_CASE("findings group the failed trace requests by service and operation, with the call") {
    const auto& s = seed();
    // From the scenario: each failed root span by "service operation", its traces, and the
    // net.peer.name of the failed spans under it (the dependency that refused).
    std::map<std::string, std::set<std::string>> traces, peers;
    for (const auto& jaeger : s.scenario["jaeger"]) {
      for (const auto& trace : jaeger["traces"]) {
        std::vector<json> errors;
        for (const auto& span : trace["spans"]) {
          for (const auto& tag : span.value("tags", json::array())) {
            if (tag.value("key", "") == "error" && tag["value"] == true) errors.push_back(span);
          }
        }
        for (const auto& span : errors) {
          if (!span["references"].empty()) continue;
          const std::string service =
              trace["processes"][span.value("processID", "")].value("serviceName", "");
          const std::string key = service + " " + span.value("operationName", "");
          traces[key].insert(trace.value("traceID", ""));
          for (const auto& child : errors) {
            for (const auto& tag : child["tags"]) {
              if (tag.value("key", "") == "net.peer.name") peers[key].insert(tag["value"]);
            }
          }
        }
      }
    }
    REQUIRE(traces.size() >= 2);
    for (const auto& [key, ids] : traces) {
      const std::string title = "Traces: " + std::to_string(ids.size()) +
                                (ids.size() == 1 ? " request to " : " requests to ") + key +
                                " failed";
      INFO("finding: ", title);
      std::vector<std::string> needles{"### ", title, "**Severity:** error"};
      for (const auto& id : ids) needles.push_back("trace " + id);
      for (const auto& peer : peers[key]) needles.push_back(peer);
      CHECK_FALSE(finding_with(s.gathered.report, needles).empty());
    }
    // One finding per group, not one per trace.
    std::size_t titles = 0;
    for (const auto& line : kmg::split(s.gathered.report, '\n')) {
      titles += line.rfind("### ", 0) == 0 && line.find(" Traces: ") != std::string::npos;
    }
    CHECK(titles == traces.size());
  }

  TEST_CASE("every failed test of the seed is explained by a root cause the verdict names") {
    const auto& s = seed();
    REQUIRE(s.gathered.bundle_exists);
    const json report = json::parse(s.gathered.files.at("report.json"));
    std::map<std::string, json> by_id;
    for (const auto& f : report["findings"]) by_id[f["id"].get<std::string>()] = f;
    const json& failed = report["tests"]["failed_cases"];
    REQUIRE(failed.size() == 4);
    std::set<std::string> root_detectors;
    for (const auto& t : failed) {
      INFO("test: ", t["name"].get<std::string>());
      REQUIRE_FALSE(t["root_causes"].empty());
      for (const auto& id : t["root_causes"]) {
        REQUIRE(by_id.count(id.get<std::string>()) == 1);
        CHECK(by_id[id.get<std::string>()]["root_cause"] == true);
        root_detectors.insert(by_id[id.get<std::string>()]["detector"].get<std::string>());
      }
    }
    // The image that was never loaded and the database that cannot be scheduled explain the run.
    CHECK(root_detectors.count("image-not-loaded") == 1);
    CHECK(root_detectors.count("unschedulable") == 1);
    const std::string verdict = report["verdict"].get<std::string>();
    for (const auto& r : report["graph"]["root_causes"]) {
      const json& f = by_id[r["id"].get<std::string>()];
      if (f["detector"] == "image-not-loaded" || f["detector"] == "unschedulable")
        CHECK(verdict.find(f["title"].get<std::string>()) != std::string::npos);
    }
    CHECK(verdict.find("and 4 failed tests") != std::string::npos);
    CHECK(s.gathered.report.find("## Root causes") != std::string::npos);
    CHECK(s.gathered.report.find("```mermaid\nflowchart LR") != std::string::npos);
  }
}
