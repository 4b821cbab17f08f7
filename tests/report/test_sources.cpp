// Log signatures, JUnit XML and Jaeger traces, through a whole report.
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "report/signatures.h"
#include "report_fixture.h"

using kmg::testing::BundleFixture;
using kmg::testing::corpus_text;
using nlohmann::json;

TEST_SUITE("report") {
  TEST_CASE("masking makes repeats of one error equal and keeps the words") {
    using kmg::report::mask_signature;
    const std::string a = mask_signature(
        "2026-02-04T10:15:00Z failed to connect to 10.96.0.1:443 after 3 attempts (id "
        "3f2a9c1e-7b4d-4e8f-9a0b-1c2d3e4f5a6b, container 84d3d308bb9a5765e637)");
    const std::string b = mask_signature(
        "2026-02-05T11:00:01.5Z failed to connect to 10.96.7.12:6443 after 12 attempts (id "
        "00000000-1111-4222-8333-444455556666, container deadbeefcafe0042)");
    CHECK(a == b);
    CHECK(a.find("failed to connect to") != std::string::npos);
    CHECK(a.find("10.96") == std::string::npos);
    CHECK(mask_signature("error in pod web-5d9f8c7b6d-x2x9z") ==
          mask_signature("error in pod web-7c4b9d8f6a-qq7zz"));
    CHECK(kmg::report::is_error_line("E0204 10:15:00.123456       1 reflector.go:123] boom"));
    CHECK(kmg::report::is_error_line("{\"level\":\"error\",\"msg\":\"x\"}"));
    CHECK_FALSE(kmg::report::is_error_line("listening on :8080"));
  }

  TEST_CASE("error lines group into signatures with counts, pods and first/last seen") {
    BundleFixture b;
    b.log("default", "api-0", "app", false,
          "# kind-must-gather: truncated, kept the last 100 of 5000 bytes\n"
          "2026-02-04T10:15:00.1Z info started\n"
          "2026-02-04T10:15:01.1Z error: timeout after 30s talking to 10.0.0.1\n"
          "2026-02-04T10:15:02.1Z error: timeout after 31s talking to 10.0.0.2\n");
    b.log("default", "api-1", "app", false,
          "2026-02-04T10:16:03Z error: timeout after 5s talking to 10.0.0.3\n"
          "2026-02-04T10:16:04Z panic: runtime error: invalid memory address");  // no final newline
    const json j = json::parse(b.build().json);
    const json& sigs = j["signatures"];
    REQUIRE(sigs.size() == 2);
    CHECK(sigs[0]["count"] == 3);
    CHECK(sigs[0]["pods"] == json::array({"default/api-0", "default/api-1"}));
    CHECK(sigs[0]["first_seen"] == "2026-02-04T10:15:01Z");
    CHECK(sigs[0]["last_seen"] == "2026-02-04T10:16:03Z");
    CHECK(sigs[0]["sample"] == "error: timeout after 30s talking to 10.0.0.1");
    CHECK(sigs[1]["count"] == 1);
    for (const auto& s : sigs)
      CHECK(s["sample"].get<std::string>().find("kind-must-gather") == std::string::npos);
  }

  TEST_CASE("a log streamed in odd chunks gives the same lines") {
    kmg::report::LogInfo info;
    std::map<std::string, kmg::report::Signature> sigs;
    kmg::report::LogScanner scanner(info, sigs, "ns/pod");
    const std::string text = "line one\nan error here\r\nlast fatal line";
    for (char ch : text) scanner.feed(std::string_view(&ch, 1));
    scanner.finish();
    REQUIRE(info.tail.size() == 3);
    CHECK(info.tail[1] == "an error here");
    CHECK(info.errors.size() == 2);
    CHECK(sigs.size() == 2);
  }

  TEST_CASE("a long log: signatures as mask_signature gives them, the last lines kept in order") {
    kmg::report::LogInfo info;
    std::map<std::string, kmg::report::Signature> sigs;
    kmg::report::LogScanner scanner(info, sigs, "ns/pod");
    std::vector<std::string> lines;
    for (int i = 0; i < 500; ++i) {
      // Numbers vary (the scanner's mask cache must not merge "api v1" with "api v2").
      lines.push_back("error: call " + std::to_string(i * 37) + " to api v" +
                      std::to_string(i % 3) + " failed after " + std::to_string(i) + "ms");
      lines.push_back("info: tick " + std::to_string(i));
    }
    for (const auto& l : lines) scanner.feed(l + "\n");
    scanner.finish();
    std::set<std::string> expected;
    for (const auto& l : lines) {
      if (kmg::report::is_error_line(l)) expected.insert(kmg::report::mask_signature(l));
    }
    std::set<std::string> got;
    for (const auto& [sig, s] : sigs) got.insert(sig);
    CHECK(got == expected);
    CHECK(got.size() == 3);  // v0, v1, v2
    REQUIRE(info.errors.size() == 20);
    CHECK(info.errors.front().text == lines[2 * 480]);
    CHECK(info.errors.back().text == lines[2 * 499]);
    REQUIRE(info.tail.size() == 20);
    CHECK(info.tail.back() == lines.back());
    CHECK(info.tail.front() == lines[lines.size() - 20]);
  }

  TEST_CASE("JUnit: Ginkgo and pytest XML give counts, failed names and timeline times") {
    BundleFixture b;
    b.file("attachments/junit/ginkgo.xml", R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="3" disabled="0" errors="0" failures="1" time="12.5">
  <testsuite name="E2E Suite" package="/src/e2e" tests="3" disabled="0" skipped="1" errors="0" failures="1" time="12.5" timestamp="2026-02-04T10:20:00">
    <testcase name="[It] shop checkout completes an order" classname="E2E Suite" status="failed" time="10">
      <failure message="Timed out after 10.000s.&#xA;Expected order to be paid" type="failed">[FAILED] Timed out after 10.000s.</failure>
    </testcase>
    <testcase name="[It] shop lists products" classname="E2E Suite" status="passed" time="2.5"></testcase>
    <testcase name="[It] shop admin" classname="E2E Suite" status="skipped" time="0"><skipped message="skipped - Pending"></skipped></testcase>
  </testsuite>
</testsuites>)");
    b.file(
        "attachments/pytest.xml",
        R"(<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="0" skipped="0" tests="2" time="1.2" timestamp="2026-02-04T10:21:00.000000+00:00" hostname="runner"><testcase classname="tests.test_api" name="test_health" time="0.2" /><testcase classname="tests.test_api" name="test_db" time="1.0"><error message="psycopg.OperationalError: connection refused">Traceback...</error></testcase></testsuite></testsuites>)");
    b.file("attachments/not-junit.xml", "<config><x/></config>");
    const auto out = b.build();
    const json t = json::parse(out.json)["tests"];
    CHECK(t["passed"] == 2);
    CHECK(t["failed"] == 2);
    CHECK(t["skipped"] == 1);
    REQUIRE(t["failed_cases"].size() == 2);
    CHECK(t["failed_cases"][0]["name"] == "[It] shop checkout completes an order");
    CHECK(t["failed_cases"][0]["message"] == "Timed out after 10.000s.");
    CHECK(t["failed_cases"][0]["time"] == "2026-02-04T10:20:00Z");
    CHECK(t["failed_cases"][1]["message"] == "psycopg.OperationalError: connection refused");
    CHECK(t["failed_cases"][1]["time"] == "2026-02-04T10:21:00Z");
    // The pytest error follows test_health (0.2 s) in its suite.
    bool on_timeline = false;
    const json timeline = json::parse(out.json)["timeline"];
    for (const auto& e : timeline)
      if (e["source"] == "test" &&
          e["what"].get<std::string>().find("test_db") != std::string::npos)
        on_timeline = e["time"] == "2026-02-04T10:21:00Z";
    CHECK(on_timeline);
    CHECK(out.markdown.find("2 passed, 2 failed, 1 skipped.") != std::string::npos);
  }

  TEST_CASE("Jaeger traces: error spans, services and slowest traces (HotROD corpus)") {
    BundleFixture b;
    b.file("clusters/kind/traces/observability.jaeger-query/frontend.json",
           corpus_text("flamegraph-renderer-example/src/TestTraceC.json"));
    // The same trace fetched again for another service: its spans count once.
    b.file("clusters/kind/traces/observability.jaeger-query/redis.json",
           corpus_text("flamegraph-renderer-example/src/TestTraceC.json"));
    b.file("clusters/kind/traces/observability.jaeger-query/slow.json",
           corpus_text("flamegraph-renderer-example/src/slowTrace.json"));
    const json tr = json::parse(b.build().json)["traces"];
    REQUIRE(tr["error_spans"].size() == 2);
    for (const auto& s : tr["error_spans"]) {
      CHECK(s["service"] == "redis");
      CHECK(s["operation"] == "GetDriver");
    }
    CHECK(tr["services"].size() >= 6);
    REQUIRE(tr["slowest"].size() >= 2);
    CHECK(tr["slowest"][0]["duration_us"].get<long>() >=
          tr["slowest"][1]["duration_us"].get<long>());
  }

  TEST_CASE("OTel status and HTTP 5xx mark spans as errors") {
    BundleFixture b;
    const json doc = {
        {"data",
         json::array(
             {{{"traceID", "abc"},
               {"processes", {{"p1", {{"serviceName", "cart"}}}}},
               {"spans", json::array({{{"traceID", "abc"},
                                       {"spanID", "1"},
                                       {"operationName", "GET /cart"},
                                       {"processID", "p1"},
                                       {"startTime", 1770200100000000},
                                       {"duration", 1500},
                                       {"tags", json::array({{{"key", "http.response.status_code"},
                                                              {"type", "int64"},
                                                              {"value", 503}}})}},
                                      {{"traceID", "abc"},
                                       {"spanID", "2"},
                                       {"operationName", "db"},
                                       {"processID", "p1"},
                                       {"references",
                                        json::array({{{"refType", "CHILD_OF"}, {"spanID", "1"}}})},
                                       {"startTime", 1770200100000100},
                                       {"duration", 100},
                                       {"tags", json::array({{{"key", "otel.status_code"},
                                                              {"type", "string"},
                                                              {"value", "ERROR"}},
                                                             {{"key", "otel.status_description"},
                                                              {"type", "string"},
                                                              {"value", "pool exhausted"}}})}},
                                      {{"traceID", "abc"},
                                       {"spanID", "3"},
                                       {"operationName", "ok"},
                                       {"processID", "p1"},
                                       {"startTime", 1770200100000200},
                                       {"duration", 10},
                                       {"tags", json::array({{{"key", "http.status_code"},
                                                              {"type", "int64"},
                                                              {"value", 200}}})}}})}}})}};
    b.file("clusters/kind/traces/o.jaeger/cart.json", doc.dump());
    const json tr = json::parse(b.build().json)["traces"];
    REQUIRE(tr["error_spans"].size() == 2);
    CHECK(tr["error_spans"][1]["message"] == "pool exhausted");
    CHECK(tr["slowest"][0]["root_operation"] == "GET /cart");
    CHECK(tr["slowest"][0]["error_spans"] == 2);
  }
}
