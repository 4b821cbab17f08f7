// The report on a bundle a recording was merged into: a cluster deleted during the run is said,
// and the root cause found in its reconstructed state is still the one the verdict names.
#include <filesystem>
#include <memory>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "../record/recording_builder.h"
#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "record/finish.h"
#include "report/report.h"
#include "report_fixture.h"
#include "temp_dir.h"
#include "util/redact.h"

namespace bundle = kmg::bundle;
using nlohmann::json;

namespace {

// The shared two-cluster recording merged with no cluster gathered but alpha (whose gather
// this test does not write: it has only its recorded history).
struct RecordedBundle {
  kmg::testing::TempDir tmp;
  std::unique_ptr<bundle::BundleWriter> writer;

  RecordedBundle() {
    kmg::testing::RecordingBuilder b(tmp.path() + "/out.recording");
    kmg::testing::write_two_cluster_recording(b, false);
    writer = std::make_unique<bundle::BundleWriter>(
        bundle::OutputSpec{tmp.path() + "/out.tar.gz", bundle::Format::kTarGz, "top"}, 0);
    bundle::Manifest manifest;
    manifest.update([](bundle::ManifestRecord& r) {
      r.started_at = "2026-02-04T10:00:00Z";
      r.finished_at = "2026-02-04T10:20:00Z";
    });
    kmg::Redactor redactor(true);
    kmg::record::merge_recording(b.dir(), {"alpha"}, *writer, manifest, redactor);
    writer->write_file(std::string(bundle::layout::kManifest), manifest.to_json().dump(1));
  }
  kmg::report::ReportOutput staged() const {
    return kmg::report::build_report(writer->staging_dir(), {});
  }
};

// The finding of `findings` on an object of `cluster`.
json on_cluster(const json& findings, const std::string& cluster) {
  for (const auto& f : findings)
    if (f["object"]["cluster"] == cluster) return f;
  return nullptr;
}

}  // namespace

TEST_SUITE("report recorded") {
  TEST_CASE(
      "a deleted cluster's crash-looping pod is still the root cause, and its deletion is said") {
    const RecordedBundle b;
    const auto out = b.staged();
    const json report = json::parse(out.json);

    const json deleted = kmg::testing::findings_of(out, "cluster-deleted");
    REQUIRE(deleted.size() == 1);
    const std::string text = kmg::testing::finding_text(deleted[0]);
    CHECK(text.find("Cluster beta was deleted during the run at 2026-02-04T10:10:00.5Z") !=
          std::string::npos);
    CHECK(text.find("node beta-control-plane Ready=True") != std::string::npos);
    CHECK(text.find("pod shop/api is Running: container api CrashLoopBackOff") !=
          std::string::npos);
    CHECK(kmg::testing::findings_of(out, "api-unreachable").empty());

    const json crashes = kmg::testing::findings_of(out, "crash-loop");
    CHECK(crashes.size() == 2);  // beta's api, alpha's deleted pod
    const json crash = on_cluster(crashes, "beta");
    REQUIRE(crash.is_object());
    CHECK(crash["object"]["name"] == "api");
    CHECK(crash["root_cause"] == true);
    // The crash's own log line reached the finding from the reconstructed previous log.
    CHECK(kmg::testing::finding_text(crash).find("cannot open config") != std::string::npos);
    CHECK(out.verdict.find(crash["title"].get<std::string>()) != std::string::npos);
    CHECK(out.verdict.find(deleted[0]["title"].get<std::string>()) != std::string::npos);
    CHECK(out.verdict.find(crash["title"].get<std::string>()) <
          out.verdict.find(deleted[0]["title"].get<std::string>()));
  }

  TEST_CASE("the timeline spans the run: events only the recording kept, each event once") {
    const RecordedBundle b;
    const json report = json::parse(b.staged().json);
    std::size_t scheduled = 0, backoff = 0;
    for (const auto& e : report["timeline"]) {
      const std::string what = e["what"];
      scheduled += what.starts_with("Scheduled: Successfully assigned tmp/job-x") ? 1 : 0;
      backoff += what.starts_with("BackOff: ") ? 1 : 0;
    }
    CHECK(scheduled == 1);  // a deleted namespace's event, from recorded history only
    CHECK(backoff == 1);    // in events.json and in the history: once
  }

  TEST_CASE("a pod deleted during the run is examined, and its finding says it was deleted") {
    const RecordedBundle b;
    const auto out = b.staged();
    const json gone = on_cluster(kmg::testing::findings_of(out, "crash-loop"), "alpha");
    REQUIRE(gone.is_object());
    CHECK(gone["object"]["name"] == "gone");
    const std::string text = kmg::testing::finding_text(gone);
    CHECK(text.find("(pod deleted at 2026-02-04T10:05:00Z)") != std::string::npos);
    CHECK(text.find("pod default/gone was deleted during the run at 2026-02-04T10:05:00Z") !=
          std::string::npos);
    // The deleted job-x of the deleted namespace was fine: no finding on it.
    const json report = json::parse(out.json);
    for (const auto& f : report["findings"]) CHECK(f["object"]["name"] != "job-x");
  }

  TEST_CASE("REPORT.md is the same rendered from the staged folder and from the archive") {
    RecordedBundle b;
    const auto staged = b.staged();
    const std::string archive = b.writer->finalize();
    const auto reread = kmg::report::build_report(archive, {});
    CHECK(staged.markdown == reread.markdown);
    CHECK(staged.json == reread.json);
  }
}
