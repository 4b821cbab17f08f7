// Rendering: determinism, Markdown validity through cmark-gfm, template override, annotations.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <doctest/doctest.h>

#include "report/render.h"
#include "report_fixture.h"
#include "util/errors.h"
#include "util/text.h"

using kmg::testing::BundleFixture;
using kmg::testing::corpus_json;
using kmg::testing::corpus_text;
using kmg::testing::make_event;
using kmg::testing::make_pod;
using nlohmann::json;

namespace {

// A bundle with most failure kinds at once, and hostile text (pipes, backticks, HTML, newlines,
// invalid UTF-8) in the places that end up in table cells.
void fill_rich(BundleFixture& b) {
  const std::string base = "sbctl/tests/support-bundle/cluster-resources/";
  json pods = corpus_json(base + "pods/velero.json")["items"];
  const json oom = corpus_json("troubleshoot/pkg/analyze/files/pods/message-oomkill-pod.json");
  for (const auto& p : oom["items"]) pods.push_back(p);
  json weird{
      {"phase", "Pending"},
      {"reason", "Bad|reason `x` <b>\nnext"},
      {"containerStatuses", json::array({{{"name", "app"},
                                          {"ready", false},
                                          {"restartCount", 0},
                                          {"state",
                                           {{"waiting",
                                             {{"reason", "CreateContainerConfigError"},
                                              {"message", "configmap \"a|b\" not found"}}}}}}})}};
  pods.push_back(make_pod("we|rd", "pod-`x`-<y>", weird));
  b.list("pods", pods);
  json events = corpus_json(base + "events/velero.json")["items"];
  events.push_back(make_event("we|rd", "Pod", "pod-`x`-<y>", "Warning", "Failed",
                              "Error: configmap \"a|b\" not found\nsecond line", 2));
  b.events(events);
  b.log("velero", "velero-6996dd565b-xl44t", "velero", true,
        corpus_text(base + "pods/logs/velero/velero-6996dd565b-xl44t/velero-previous.log"));
  b.log("velero", "velero-6996dd565b-xl44t", "velero", false,
        "2026-02-04T10:15:00Z error | pipe `tick` <html> here \xff\xfe\n");
  b.file("clusters/kind/traces/observability.jaeger-query/frontend.json",
         corpus_text("flamegraph-renderer-example/src/TestTraceC.json"));
  b.file(
      "attachments/junit.xml",
      R"(<testsuite name="s|x" timestamp="2026-02-04T10:20:00"><testcase name="t|1 `a`" time="1"><failure message="boom | &lt;x&gt;"/></testcase></testsuite>)");
  b.manifest()["clusters"]["kind"]["failures"] =
      json::array({{{"collector", "logs"},
                    {"method", "GET"},
                    {"path", "/api/v1/namespaces/a|b/pods"},
                    {"status", 500},
                    {"message", "boom\nbad"}}});
  b.manifest()["clusters"]["kind"]["notes"] = {"node kind-worker is stopped: no node logs"};
  b.manifest()["partial"] = true;
}

std::string run_cmark(const std::string& path) {
  const std::string cmd = "/usr/bin/cmark-gfm --extension table '" + path + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe.get())) > 0) out.append(buf, n);
  return out;
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1)) ++n;
  return n;
}

// Row counts (without the delimiter row) of the pipe tables outside code fences.
std::vector<std::size_t> markdown_tables(const std::string& md) {
  std::vector<std::size_t> tables;
  bool fence = false;
  std::size_t run = 0;
  for (const auto& line : kmg::split(md, '\n')) {
    if (line.rfind("```", 0) == 0) fence = !fence;
    const bool row = !fence && line.rfind("|", 0) == 0;
    if (row) {
      ++run;
    } else if (run > 0) {
      tables.push_back(run - 1);
      run = 0;
    }
  }
  if (run > 0) tables.push_back(run - 1);
  return tables;
}

void check_markdown(const std::string& md, kmg::testing::TempDir& dir, const std::string& name) {
  const std::string path = dir.write(name, md);
  const std::string html = run_cmark(path);
  const auto tables = markdown_tables(md);
  REQUIRE(!tables.empty());
  CHECK(count(html, "<table>") == tables.size());
  // Every table renders with its header plus each row, in order.
  std::size_t pos = 0;
  for (std::size_t rows : tables) {
    const auto start = html.find("<table>", pos);
    REQUIRE(start != std::string::npos);
    const auto end = html.find("</table>", start);
    CHECK(count(html.substr(start, end - start), "<tr>") == rows);
    pos = end;
  }
  CHECK(html.find("<p>|") == std::string::npos);
  CHECK(html.find("\n|") == std::string::npos);
  CHECK(html.find("<b>") == std::string::npos);
  CHECK(kmg::to_valid_utf8(md) == md);
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("two runs on the same bundle are byte-identical") {
    BundleFixture b;
    fill_rich(b);
    const auto one = b.build();
    const auto two = kmg::report::build_report(b.root(), {});
    CHECK(one.markdown == two.markdown);
    CHECK(one.json == two.json);
    CHECK(one.github_summary == two.github_summary);
    CHECK(one.annotations == two.annotations);
    // Writing REPORT.md/report.json into the bundle does not change what is read back.
    b.file("REPORT.md", one.markdown);
    b.file("report.json", one.json);
    const auto three = kmg::report::build_report(b.root(), {});
    CHECK(three.markdown == one.markdown);
    CHECK(three.json == one.json);
  }

  TEST_CASE("the same bundle as a .tar.gz gives the same report as the folder") {
    BundleFixture b;
    fill_rich(b);
    const auto folder = b.build();
    kmg::testing::TempDir out;
    const std::string archive = out.path() + "/bundle.tar.gz";
    const auto slash = b.root().rfind('/');
    // tar lists the folder in directory order, not sorted: the report must not care.
    const std::string cmd = "tar -czf '" + archive + "' -C '" + b.root().substr(0, slash) + "' '" +
                            b.root().substr(slash + 1) + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const auto packed = kmg::report::build_report(archive, {});
    CHECK(packed.json == folder.json);
    CHECK(packed.markdown == folder.markdown);
  }

  TEST_CASE("REPORT.md and the step summary are valid GitHub Markdown (cmark-gfm)") {
    BundleFixture b;
    fill_rich(b);
    const auto out = b.build();
    kmg::testing::TempDir dir;
    check_markdown(out.markdown, dir, "REPORT.md");
    check_markdown(out.github_summary, dir, "summary.md");
    for (const char* section : {"## Findings", "## Clusters", "## Pods", "## Timeline",
                                "```mermaid\ngantt", "## Extracted errors", "## Warning events",
                                "## Traces", "## Tests", "## Collection notes", "## Bundle index"})
      CHECK(out.markdown.find(section) != std::string::npos);
    CHECK(out.markdown.find("**The collection is partial**") != std::string::npos);
    CHECK(out.markdown.find("](clusters/kind/lists/pods.json)") != std::string::npos);
  }

  TEST_CASE("collection notes say when the size budget was reached or files could not be written") {
    BundleFixture b;
    const auto quiet = b.build();
    CHECK(quiet.markdown.find("size budget") == std::string::npos);
    CHECK(quiet.markdown.find("could not be written") == std::string::npos);
    b.manifest()["size_budget"] = {{"max_bytes", 1048576}, {"exhausted", true}};
    b.manifest()["write_failed"] = true;
    const auto out = b.build();
    CHECK(out.markdown.find("- the size budget (--max-size 1.0 MiB) was reached") !=
          std::string::npos);
    CHECK(out.markdown.find("- some files could not be written to the bundle") !=
          std::string::npos);
  }

  TEST_CASE("long tables are capped with a pointer to report.json") {
    BundleFixture b;
    json pods = json::array();
    for (int i = 0; i < 70; ++i)
      pods.push_back(
          make_pod("default", "p" + std::to_string(100 + i), json{{"phase", "Succeeded"}}));
    b.list("pods", pods);
    const auto out = b.build();
    CHECK(out.markdown.find("20 more: see report.json (pods)") != std::string::npos);
    CHECK(json::parse(out.json)["pods"].size() == 70);
    kmg::testing::TempDir dir;
    check_markdown(out.markdown, dir, "REPORT.md");
  }

  TEST_CASE("a template folder overrides the built-in templates") {
    BundleFixture b;
    fill_rich(b);
    kmg::testing::TempDir tdir;
    tdir.write("REPORT.md.mustache",
               "custom: {{verdict}} / {{#findings}}[{{severity}}]{{/findings}}\n");
    const auto out = b.build(kmg::report::ReportSettings{tdir.path()});
    CHECK(out.markdown.rfind("custom: FAILURES", 0) == 0);
    CHECK(out.markdown.find("[error]") != std::string::npos);
    // No override for the summary: the built-in one is used.
    CHECK(out.github_summary.find("## kind-must-gather") != std::string::npos);
    tdir.write("github-summary.md.mustache", "{{#findings}}");
    CHECK_THROWS_AS(b.build(kmg::report::ReportSettings{tdir.path()}), kmg::Error);
  }

  TEST_CASE("annotations follow GitHub's escaping and are capped at 10") {
    CHECK(kmg::report::annotation_data("50% done\r\nnext") == "50%25 done%0D%0Anext");
    CHECK(kmg::report::annotation_property("a:b,c%") == "a%3Ab%2Cc%25");
    BundleFixture b;
    json pods = json::array();
    for (int i = 0; i < 12; ++i)
      pods.push_back(make_pod(
          "ns" + std::to_string(i), "p",
          json{{"phase", "Failed"},
               {"containerStatuses",
                json::array(
                    {{{"name", "app"},
                      {"restartCount", 0},
                      {"state", {{"terminated", {{"exitCode", 2}, {"reason", "Error"}}}}}}})}}));
    b.list("pods", pods);
    const auto out = b.build();
    CHECK(out.finding_count == 12);
    REQUIRE(out.annotations.size() == 10);
    for (const auto& a : out.annotations) {
      CHECK(a.rfind("::error title=", 0) == 0);
      CHECK(a.find('\n') == std::string::npos);
      CHECK(a.find("%0ANext step") != std::string::npos);
    }
  }

  TEST_CASE("Markdown cell escaping") {
    using kmg::report::md_cell;
    CHECK(md_cell("a|b") == "a\\|b");
    CHECK(md_cell("<x>") == "&lt;x&gt;");
    CHECK(md_cell("`c`") == "\\`c\\`");
    CHECK(md_cell("one\ntwo") == "one two");
    CHECK(md_cell(std::string(400, '|')).size() < 700);
  }
}
