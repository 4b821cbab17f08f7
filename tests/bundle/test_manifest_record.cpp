// The manifest's records: what the gather writes is what the report reads back, and a damaged
// manifest reads as defaults instead of throwing.
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bundle/manifest.h"
#include "bundle/manifest_record.h"

using nlohmann::json;
namespace bundle = kmg::bundle;

namespace {

bundle::ManifestRecord full_record() {
  bundle::ManifestRecord r;
  r.tool = bundle::ToolRecord{"kind-must-gather", "1.2.3"};
  r.command_line = "kind-must-gather collect";
  r.started_at = "2026-02-04T10:15:00Z";
  r.finished_at = "2026-02-04T10:16:00Z";
  r.engines = std::vector<bundle::EngineRecord>{{"podman", "unix:///run/podman.sock", "", 3},
                                                {"docker", "unix:///d.sock", "refused", 0}};
  r.discovery_notes = std::vector<std::string>{"no kubeconfig"};
  r.attachments = {{"/tmp/junit.xml", "attachments/junit.xml"}};
  r.partial = false;
  r.interrupted = false;
  r.timed_out = true;
  r.write_failed = false;
  r.size_budget = bundle::SizeBudgetRecord{1 << 20, true};
  r.redaction = bundle::RedactionRecord{true, 7};
  bundle::ClusterRecord& c = r.clusters["kind"];
  c.provider = "podman";
  c.kubeconfig_source = "";
  c.api_endpoint = "https://127.0.0.1:6443";
  c.nodes =
      std::vector<bundle::NodeRecord>{{"kind-control-plane", "control-plane", "running", "i"}};
  c.problems = std::vector<std::string>{};
  c.reachable = false;
  c.server_version = "";
  c.unreachable_reason = "connection refused";
  c.collectors["pods"] = {3, 1, 300, 2, 0.5};
  c.failures.push_back({"", "pods", "GET", "/api/v1/pods", 503, "busy"});
  c.notes = {"node kind-worker is stopped: no node logs"};
  r.general = bundle::ClusterRecord{};
  r.general->notes = {"attachment /x not found: skipped"};
  c.recorded = bundle::RecordedClusterRecord{
      "2026-02-04T10:00:00.5Z", "2026-02-04T10:10:00Z", "2026-02-04T10:10:00Z", true, 12, 2, 6};
  bundle::RecordingRecord rec;
  rec.started_at = "2026-02-04T10:00:00Z";
  rec.stopped_at = bundle::kRecordingKilled;
  rec.peak_rss_bytes = 1234;
  rec.cpu_user_seconds = 1.5;
  rec.object_versions = 40;
  rec.partial_lines = 1;
  rec.problems = {"clusters.jsonl: line 3 is not JSON"};
  r.recording = rec;
  return r;
}

}  // namespace

TEST_SUITE("bundle::manifest_record") {
  TEST_CASE("to_json then from_json is the identity, and so is the text") {
    const json written = full_record();
    const auto read = written.get<bundle::ManifestRecord>();
    CHECK(json(read) == written);
    CHECK(json(read).dump(1) == written.dump(1));
    REQUIRE(read.clusters.count("kind") == 1);
    const auto& c = read.clusters.at("kind");
    CHECK(c.reachable == std::optional<bool>(false));
    CHECK(c.failures.at(0).status == 503);
    CHECK(c.collectors.at("pods").bytes == 300);
    CHECK(read.engines->at(1).error == "refused");
    CHECK(read.size_budget->exhausted);
    CHECK(read.general->notes.size() == 1);
    REQUIRE(c.recorded.has_value());
    CHECK(c.recorded->deleted_at == std::optional<std::string>("2026-02-04T10:10:00Z"));
    CHECK(c.recorded->reconstructed);
    CHECK(c.recorded->log_instances == 6);
    REQUIRE(read.recording.has_value());
    CHECK(read.recording->stopped_at == bundle::kRecordingKilled);
    CHECK(read.recording->peak_rss_bytes == std::optional<std::uint64_t>(1234));
    CHECK_FALSE(read.recording->wall_seconds.has_value());
    CHECK(read.recording->partial_lines == 1);
  }

  TEST_CASE("absent fields stay absent: a cluster the gather never described writes no identity") {
    bundle::ManifestRecord r;
    r.clusters["kind"].notes = {"n"};
    const json j = r;
    CHECK(j == json{{"clusters",
                     {{"kind",
                       {{"collectors", json::object()},
                        {"failures", json::array()},
                        {"notes", json::array({"n"})}}}}}});
    const auto back = j.get<bundle::ManifestRecord>();
    CHECK_FALSE(back.clusters.at("kind").reachable.has_value());
    CHECK_FALSE(back.tool.has_value());
    CHECK_FALSE(back.general.has_value());
  }

  TEST_CASE("damaged fields read as defaults, never throw") {
    const json damaged = {{"tool", "not an object"},
                          {"finished_at", 12},
                          {"engines", {1, {{"provider", "podman"}, {"containers", "x"}}}},
                          {"size_budget", {{"max_bytes", -5}, {"exhausted", "yes"}}},
                          {"clusters",
                           {{"kind",
                             {{"reachable", "maybe"},
                              {"failures", {"oops", {{"status", "500"}, {"path", "/p"}}}},
                              {"notes", {"ok", 3}},
                              {"collectors", {{"pods", {{"requests", 2}}}, {"bad", 4}}}}},
                            {"odd", 42}}},
                          {"general", json::array()}};
    bundle::ManifestRecord r;
    CHECK_NOTHROW(r = damaged.get<bundle::ManifestRecord>());
    CHECK_FALSE(r.tool.has_value());
    CHECK_FALSE(r.finished_at.has_value());
    REQUIRE(r.engines.has_value());
    REQUIRE(r.engines->size() == 1);
    CHECK(r.engines->at(0).provider == "podman");
    CHECK(r.engines->at(0).containers == 0);
    CHECK(r.size_budget->max_bytes == 0);
    CHECK_FALSE(r.size_budget->exhausted);
    REQUIRE(r.clusters.size() == 2);  // a damaged cluster keeps its name
    const auto& c = r.clusters.at("kind");
    CHECK_FALSE(c.reachable.has_value());
    REQUIRE(c.failures.size() == 1);
    CHECK(c.failures[0].status == 0);
    CHECK(c.failures[0].path == "/p");
    CHECK(c.notes == std::vector<std::string>{"ok"});
    CHECK(c.collectors.at("pods").requests == 2);
    CHECK(c.collectors.count("bad") == 1);
    CHECK_FALSE(r.general.has_value());
  }

  TEST_CASE("the gather's Manifest writes the records: general apart, description typed") {
    bundle::Manifest manifest;
    manifest.update_cluster("kind", [](bundle::ClusterRecord& c) { c.provider = "docker"; });
    manifest.add_failure({"", "attachments", "COPY", "/missing", 0, "no such file"});
    manifest.add_failure({"kind", "logs", "GET", "/api/v1/x", 500, "boom"});
    const auto record = manifest.record();
    CHECK(record.clusters.size() == 1);
    CHECK(record.clusters.at("kind").provider == std::optional<std::string>("docker"));
    REQUIRE(record.general.has_value());
    CHECK(record.general->failures.at(0).path == "/missing");
    CHECK(manifest.to_json() == json(record));
    CHECK(manifest.failure_count() == 2);
  }
}
