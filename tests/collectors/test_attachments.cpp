#include <filesystem>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/attachments.h"
#include "temp_dir.h"

using nlohmann::json;
namespace fs = std::filesystem;
namespace layout = kmg::bundle::layout;

namespace {

struct AttachFixture {
  kmg::testing::TempDir tmp;
  kmg::bundle::BundleWriter writer{
      kmg::bundle::OutputSpec{tmp.path() + "/out", kmg::bundle::Format::kDirectory, "bundle"},
      1ull << 30};
  kmg::bundle::Manifest manifest;

  std::string file(const std::string& relpath) const {
    return kmg::testing::read_file(writer.staging_dir() + "/" + relpath);
  }
  bool exists(const std::string& relpath) const {
    return fs::exists(writer.staging_dir() + "/" + relpath);
  }
  json gather_record() const {
    const json m = manifest.to_json();
    // Attachments belong to no cluster: the manifest keeps them under "general".
    CHECK_FALSE(m["clusters"].contains(""));
    return m.contains("general") ? m["general"] : json::object();
  }
};

}  // namespace

TEST_SUITE("collectors.attachments") {
  TEST_CASE("files and folders are copied by base name, folders recursively") {
    AttachFixture f;
    const std::string file = f.tmp.write("src/values.yaml", "replicas: 3\n");
    f.tmp.write("src/ci-logs/job.log", "step 1\n");
    f.tmp.write("src/ci-logs/nested/deeper.txt", "deep\n");
    kmg::collectors::collect_attachments(f.writer, f.manifest,
                                         {file, f.tmp.path() + "/src/ci-logs/"});
    CHECK(f.file(layout::attachment("values.yaml")) == "replicas: 3\n");
    CHECK(f.file(layout::attachment("ci-logs/job.log")) == "step 1\n");
    CHECK(f.file(layout::attachment("ci-logs/nested/deeper.txt")) == "deep\n");
    const json listed = f.manifest.to_json()["attachments"];
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["source"] == file);
    CHECK(listed[0]["path"] == "attachments/values.yaml");
    CHECK(listed[1]["path"] == "attachments/ci-logs");
  }

  TEST_CASE("same base name twice: the second gets a numeric suffix") {
    AttachFixture f;
    const std::string a = f.tmp.write("a/app.log", "from a\n");
    const std::string b = f.tmp.write("b/app.log", "from b\n");
    const std::string c = f.tmp.write("c/app.log", "from c\n");
    kmg::collectors::collect_attachments(f.writer, f.manifest, {a, b, c});
    CHECK(f.file(layout::attachment("app.log")) == "from a\n");
    CHECK(f.file(layout::attachment("app-2.log")) == "from b\n");
    CHECK(f.file(layout::attachment("app-3.log")) == "from c\n");
  }

  TEST_CASE("a missing path is a note and a failure, and the others are still copied") {
    AttachFixture f;
    const std::string missing = f.tmp.path() + "/does-not-exist.txt";
    const std::string present = f.tmp.write("here.txt", "ok\n");
    kmg::collectors::collect_attachments(f.writer, f.manifest, {missing, present});
    CHECK(f.file(layout::attachment("here.txt")) == "ok\n");
    CHECK_FALSE(f.exists(layout::attachment("does-not-exist.txt")));
    CHECK(f.manifest.failure_count() == 1);
    const json record = f.gather_record();
    REQUIRE(record.contains("notes"));
    CHECK(record["notes"][0] == "attachment " + missing + " not found: skipped");
    REQUIRE(record["failures"].size() == 1);
    CHECK(record["failures"][0]["path"] == missing);
    CHECK(record["failures"][0]["collector"] == "attachments");
  }
}
