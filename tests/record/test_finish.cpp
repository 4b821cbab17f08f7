// merge_recording on a hand-written recording: every path it writes, the reconstructed state of
// the cluster the gather did not reach, and what the manifest says of the recording.
#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "bundle/truncation.h"
#include "record/finish.h"
#include "recording_builder.h"
#include "temp_dir.h"
#include "util/redact.h"
#include "util/text.h"

namespace fs = std::filesystem;
namespace layout = kmg::bundle::layout;
using kmg::testing::read_file;
using nlohmann::json;

namespace {

struct Merged {
  kmg::testing::TempDir tmp;
  kmg::bundle::Manifest manifest;
  kmg::Redactor redactor{true};
  std::unique_ptr<kmg::bundle::BundleWriter> writer;
  kmg::record::MergeResult result;

  explicit Merged(bool killed) {
    kmg::testing::RecordingBuilder b(tmp.path() + "/out.recording");
    kmg::testing::write_two_cluster_recording(b, killed);
    writer = std::make_unique<kmg::bundle::BundleWriter>(
        kmg::bundle::OutputSpec{tmp.path() + "/bundle", kmg::bundle::Format::kDirectory, "top"}, 0);
    result = kmg::record::merge_recording(b.dir(), {"alpha"}, *writer, manifest, redactor);
  }
  std::string file(const std::string& relative) const {
    return writer->staging_dir() + "/" + relative;
  }
  bool has(const std::string& relative) const { return fs::exists(file(relative)); }
  std::string text(const std::string& relative) const { return read_file(file(relative)); }
  json parsed(const std::string& relative) const { return json::parse(text(relative)); }
  std::vector<json> lines(const std::string& relative) const {
    std::vector<json> out;
    for (const auto& line : kmg::split(text(relative), '\n'))
      if (!line.empty()) out.push_back(json::parse(line));
    return out;
  }
};

std::vector<std::string> names(const json& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item["metadata"]["name"].get<std::string>());
  return out;
}

}  // namespace

TEST_SUITE("record::finish") {
  TEST_CASE("the recording itself: lifecycle, history, deleted objects, every instance's log") {
    const Merged m(false);
    const auto lifecycle = m.lines(layout::recorded_clusters());
    REQUIRE(lifecycle.size() == 4);  // the partial fifth line is not copied
    CHECK(lifecycle[3]["event"] == "disappeared");

    const auto pods = m.lines(layout::recorded_history("beta", "", "pods"));
    REQUIRE(pods.size() == 8);  // job-x added, api x6, job-x deleted
    CHECK(pods.front()["object"]["metadata"]["name"] == "job-x");
    CHECK(pods[6]["object"]["status"]["containerStatuses"][0]["restartCount"] == 5);
    CHECK(pods.back()["type"] == "DELETED");
    const auto events = m.lines(layout::recorded_history("beta", "", "events"));
    REQUIRE(events.size() == 3);
    CHECK(events[0]["object"]["involvedObject"]["namespace"] == "tmp");
    CHECK(m.lines(layout::recorded_history("beta", "apps", "deployments")).size() == 1);
    CHECK(m.lines(layout::recorded_history("beta", "", "namespaces")).size() == 3);
    CHECK(m.lines(layout::recorded_history("alpha", "", "pods")).size() == 2);

    const json deleted_pods = m.parsed(layout::recorded_deleted("beta", "", "pods"));
    CHECK(names(deleted_pods["items"]) == std::vector<std::string>{"job-x"});
    CHECK(deleted_pods["items"][0]["metadata"]["annotations"]
                      [std::string(layout::kDeletedAtAnnotation)] == "2026-02-04T10:06:00Z");
    CHECK(names(m.parsed(layout::recorded_deleted("beta", "", "namespaces"))["items"]) ==
          std::vector<std::string>{"tmp"});
    CHECK(names(m.parsed(layout::recorded_deleted("alpha", "", "pods"))["items"]) ==
          std::vector<std::string>{"gone"});
    CHECK_FALSE(m.has(layout::recorded_deleted("beta", "", "events")));

    for (int n = 0; n <= 5; ++n) {
      const std::string instance = "000" + std::to_string(n) + "-" + std::string(12, char('a' + n));
      const std::string log = m.text(layout::recorded_log("beta", "shop", "api", "api", instance));
      CAPTURE(n);
      if (n < 5) {
        CHECK(log == kmg::testing::beta_api_log(n));
      } else {
        const std::string joined = kmg::testing::beta_api_log(5);
        const std::uint64_t kept = joined.size() + 30;  // the two files, cut line included
        CHECK(log == kmg::bundle::truncation_marker(kept, kept + kmg::testing::kBetaDroppedBytes) +
                         joined);
      }
    }
    CHECK(m.result.log_instances == 6);
  }

  TEST_CASE("the cluster the gather did not reach is written from its last recorded state") {
    const Merged m(false);
    const json pods = m.parsed(layout::list_json("beta", "", "pods"));
    CHECK(pods["kind"] == "PodList");
    REQUIRE(names(pods["items"]) == std::vector<std::string>{"api"});  // job-x was deleted
    CHECK(pods["items"][0]["status"]["containerStatuses"][0]["restartCount"] == 5);
    CHECK(m.has(layout::pod_yaml("beta", "shop", "api")));
    CHECK(m.text(layout::pod_describe("beta", "shop", "api")).find("CrashLoopBackOff") !=
          std::string::npos);
    CHECK(names(m.parsed(layout::list_json("beta", "", "nodes"))["items"]) ==
          std::vector<std::string>{"beta-control-plane"});
    CHECK(m.has(layout::node_yaml("beta", "beta-control-plane")));
    const json deployments = m.parsed(layout::list_json("beta", "apps", "deployments"));
    CHECK(deployments["kind"] == "DeploymentList");
    CHECK(deployments["apiVersion"] == "apps/v1");
    CHECK(names(deployments["items"]) == std::vector<std::string>{"api"});
    CHECK(names(m.parsed(layout::list_json("beta", "", "namespaces"))["items"]) ==
          std::vector<std::string>{"shop"});
    CHECK(m.has(layout::object_yaml("beta", "shop", "apps", "deployments", "api")));
    const json events = m.parsed(layout::events_json("beta"));
    CHECK(names(events["items"]) == std::vector<std::string>{"api.backoff"});  // job-x.1 deleted
    CHECK(m.text(layout::events_txt("beta")).find("BackOff") != std::string::npos);

    // The newest instance is the container's log, the one before its previous log.
    const std::string joined5 =
        m.text(layout::recorded_log("beta", "shop", "api", "api", "0005-ffffffffffff"));
    CHECK(m.text(layout::container_log("beta", "shop", "api", "api", false)) == joined5);
    CHECK(m.text(layout::container_log("beta", "shop", "api", "api", true)) ==
          kmg::testing::beta_api_log(4));

    // alpha was gathered: nothing of it is rewritten under clusters/.
    CHECK_FALSE(fs::exists(m.file(layout::cluster_dir("alpha"))));
    CHECK(m.result.clusters == 2);
    CHECK(m.result.reconstructed == 1);
  }

  TEST_CASE("the manifest says what came from the recording and what could not be read") {
    const Merged m(false);
    const auto record = m.manifest.record();
    REQUIRE(record.recording.has_value());
    const auto& rec = *record.recording;
    CHECK(rec.started_at == "2026-02-04T10:00:00Z");
    CHECK(rec.stopped_at == "2026-02-04T10:20:00Z");
    CHECK(rec.cpu_user_seconds == std::optional<double>(3.5));
    CHECK(rec.peak_rss_bytes == std::optional<std::uint64_t>(52428800));
    CHECK(rec.object_versions == 18);  // alpha 2, beta 16 (LogMarks are no object versions)
    CHECK(rec.log_instances == 6);
    CHECK(rec.partial_lines == 2);
    CHECK(m.result.partial_lines == 2);
    REQUIRE(rec.problems.size() == 1);
    CHECK(rec.problems[0].find("alpha/objects-000001.jsonl: line 2") == 0);

    const auto& beta = record.clusters.at("beta");
    REQUIRE(beta.recorded.has_value());
    CHECK(beta.recorded->first_seen == "2026-02-04T10:00:00.2Z");
    CHECK(beta.recorded->last_seen == "2026-02-04T10:10:00.5Z");
    CHECK(beta.recorded->deleted_at == std::optional<std::string>("2026-02-04T10:10:00.5Z"));
    CHECK(beta.recorded->reconstructed);
    CHECK(beta.recorded->deleted_objects == 2);
    CHECK_FALSE(beta.reachable.has_value());  // the gather never saw it
    CHECK(beta.provider == std::optional<std::string>("podman"));
    REQUIRE(beta.nodes.has_value());  // the last line that named nodes, not "disappeared"
    REQUIRE(beta.nodes->size() == 1);
    CHECK(beta.nodes->at(0).name == "beta-control-plane");
    const auto& alpha = record.clusters.at("alpha");
    REQUIRE(alpha.recorded.has_value());
    CHECK_FALSE(alpha.recorded->reconstructed);
    CHECK_FALSE(alpha.recorded->deleted_at.has_value());
    CHECK(alpha.recorded->object_versions == 2);
  }

  TEST_CASE("a killed recorder: no stopped.json is said, the rest merges") {
    const Merged m(true);
    const auto rec = *m.manifest.record().recording;
    CHECK(rec.stopped_at == kmg::bundle::kRecordingKilled);
    CHECK_FALSE(rec.cpu_user_seconds.has_value());
    CHECK(m.has(layout::list_json("beta", "", "pods")));
  }

  TEST_CASE("a missing recording is problems in the manifest, not an exception") {
    kmg::testing::TempDir tmp;
    kmg::bundle::Manifest manifest;
    kmg::Redactor redactor(true);
    kmg::bundle::BundleWriter writer(
        kmg::bundle::OutputSpec{tmp.path() + "/b", kmg::bundle::Format::kDirectory, "top"}, 0);
    const auto result =
        kmg::record::merge_recording(tmp.path() + "/nothing", {}, writer, manifest, redactor);
    CHECK(result.clusters == 0);
    const auto rec = *manifest.record().recording;
    CHECK(rec.problems.size() == 2);  // recording.json, clusters.jsonl
  }

  TEST_CASE("damaged objects are merged as far as they go, never thrown") {
    kmg::testing::TempDir tmp;
    kmg::testing::RecordingBuilder b(tmp.path() + "/r");
    b.started("2026-02-04T10:00:00Z");
    b.cluster_event("2026-02-04T10:00:00Z", "odd", "appeared");
    b.change("odd", "2026-02-04T10:00:01Z", "ADDED", "", "v1", "pods", {{"metadata", "x"}});
    b.change("odd", "2026-02-04T10:00:02Z", "DELETED", "", "v1", "pods", {{"metadata", "x"}});
    b.change("odd", "2026-02-04T10:00:03Z", "ADDED", "", "v1", "configmaps",
             {{"metadata", {{"name", "c"}, {"namespace", "d"}}}, {"data", 7}});
    kmg::bundle::Manifest manifest;
    kmg::Redactor redactor(true);
    kmg::bundle::BundleWriter writer(
        kmg::bundle::OutputSpec{tmp.path() + "/b", kmg::bundle::Format::kDirectory, "top"}, 0);
    const auto result = kmg::record::merge_recording(b.dir(), {}, writer, manifest, redactor);
    CHECK(result.object_versions == 3);
    CHECK(result.reconstructed == 1);
    const json deleted = json::parse(
        read_file(writer.staging_dir() + "/" + layout::recorded_deleted("odd", "", "pods")));
    CHECK(deleted["items"][0]["metadata"]["annotations"].size() == 1);
    CHECK(fs::exists(writer.staging_dir() + "/" + layout::list_json("odd", "", "configmaps")));
  }
}
