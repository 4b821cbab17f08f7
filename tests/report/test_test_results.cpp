// Test results of every accepted format (JUnit XML, Ginkgo v2 JSON, go test -json), told apart by
// their content, and the time window that links a failed test to findings.
#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "model_fixture.h"
#include "report/analysis.h"
#include "report/ginkgo_json.h"
#include "report/go_test_json.h"
#include "report/test_links.h"
#include "report/test_results.h"
#include "report/test_windows.h"
#include "temp_dir.h"
#include "util/text.h"

using kmg::report::TestCase;
using kmg::report::TestData;
using kmg::report::TestFormat;
using nlohmann::json;

namespace {

std::string sample(const std::string& name) {
  return kmg::testing::read_file(kmg::testing::source_root() + "/tests/report/data/" + name);
}

struct Counts {
  std::size_t passed = 0, failed = 0, skipped = 0;
};

Counts count(const TestData& d) {
  Counts c;
  for (const auto& t : d.cases) {
    if (t.status == "passed") ++c.passed;
    if (t.status == "failed" || t.status == "error") ++c.failed;
    if (t.status == "skipped") ++c.skipped;
  }
  return c;
}

const TestCase& named(const TestData& d, const std::string& name) {
  const auto it = std::find_if(d.cases.begin(), d.cases.end(),
                               [&](const TestCase& t) { return t.name == name; });
  REQUIRE_MESSAGE(it != d.cases.end(), "no test named ", name);
  return *it;
}

bool has_error_naming(const TestData& d, const std::string& file, const std::string& what) {
  return std::any_of(d.parse_errors.begin(), d.parse_errors.end(), [&](const std::string& e) {
    return e.starts_with(file + ": ") && e.find(what) != std::string::npos;
  });
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("the format is told by the content, not the name") {
    CHECK(kmg::report::detect_test_format(sample("ginkgo-report.json")) == TestFormat::ginkgo_json);
    CHECK(kmg::report::detect_test_format(sample("go-test.json")) == TestFormat::go_test_json);
    CHECK(kmg::report::detect_test_format(
              "\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"s\"/>"
              "</testsuites>") == TestFormat::junit);
    CHECK(kmg::report::detect_test_format("<html><body>screenshot</body></html>") ==
          TestFormat::none);
    CHECK(kmg::report::detect_test_format("[{\"traceID\": \"abc\"}]") == TestFormat::none);
    CHECK(kmg::report::detect_test_format("\x89PNG\r\n") == TestFormat::none);

    // The same Ginkgo report under a .txt name and go test output under .log are still read.
    TestData d;
    kmg::report::add_test_results(sample("ginkgo-report.json"), "attachments/results.txt", d);
    kmg::report::add_test_results(sample("go-test.json"), "attachments/unit.log", d);
    kmg::report::add_test_results("<html><p>not a test</p></html>", "attachments/index.html", d);
    CHECK(d.files == std::vector<std::string>{"attachments/results.txt", "attachments/unit.log"});
    CHECK(d.cases.size() == 12);
    CHECK(d.parse_errors.empty());
  }

  TEST_CASE("Ginkgo JSON: counts, nested names, failure message, times") {
    TestData d;
    kmg::report::add_ginkgo_json(sample("ginkgo-report.json"), "g.json", d);
    const Counts c = count(d);
    CHECK(c.passed == 2);
    CHECK(c.failed == 2);   // failed and panicked
    CHECK(c.skipped == 2);  // skipped and pending
    const TestCase& order = named(d, "Shop checkout with a card completes an order");
    CHECK(order.suite == "Shop E2E Suite");
    CHECK(order.status == "failed");
    CHECK(order.message == "Timed out after 120.001s.");
    // The location and GinkgoWriter output are in the detail, where mentions are looked for.
    CHECK(order.detail.find("checkout_test.go:67") != std::string::npos);
    CHECK(order.detail.find("deployment \"payments\" in namespace \"shop\"") != std::string::npos);
    // -05:00 is read as such: 05:20:03 there is 10:20:03Z.
    REQUIRE(order.time);
    REQUIRE(order.end);
    CHECK(kmg::format_rfc3339(*order.time).starts_with("2026-02-04T10:20:03"));
    CHECK(*order.end - *order.time == 120010100000);
    CHECK(order.seconds == doctest::Approx(120.0101));
    const TestCase& panic = named(d, "Shop catalog imports a CSV");
    CHECK(panic.status == "failed");
    CHECK(panic.detail.find("nil pointer dereference") != std::string::npos);
    CHECK(named(d, "[BeforeSuite]").status == "passed");
    CHECK(named(d, "Shop admin exports invoices").message == "invoices are not enabled on kind");
    // Go's zero time means "did not run".
    CHECK_FALSE(named(d, "Shop admin rotates keys").time);
  }

  TEST_CASE("Ginkgo JSON: a truncated report keeps the specs before the damage") {
    const std::string full = sample("ginkgo-report.json");
    const std::size_t cut = full.find("\"imports a CSV\"");
    REQUIRE(cut != std::string::npos);
    TestData d;
    kmg::report::add_test_results(full.substr(0, cut), "attachments/ginkgo.json", d);
    kmg::report::add_test_results(sample("go-test.json"), "attachments/go.json", d);
    CHECK(has_error_naming(d, "attachments/ginkgo.json", "truncated"));
    CHECK(d.parse_errors.size() == 1);
    // [BeforeSuite], the failed order and the catalog spec were complete; the go tests are all in.
    CHECK(named(d, "Shop checkout with a card completes an order").suite == "Shop E2E Suite");
    CHECK(named(d, "Shop catalog lists products").status == "passed");
    CHECK(d.cases.size() == 3 + 6);
    CHECK(d.files.size() == 2);

    TestData bad;
    kmg::report::add_ginkgo_json("[{\"SuiteDescription\": \"x\", \"SpecReports\": [}", "b.json",
                                 bad);
    CHECK(has_error_naming(bad, "b.json", "truncated or invalid"));
    CHECK(bad.cases.empty());
  }

  TEST_CASE("go test -json: counts, subtests, messages from the output, package failures") {
    TestData d;
    kmg::report::add_go_test_json(sample("go-test.json"), "go.json", d);
    CHECK(d.parse_errors.empty());
    const Counts c = count(d);
    CHECK(c.passed == 2);   // TestHealth, TestOrders/list
    CHECK(c.failed == 3);   // TestOrders/create, TestOrders, TestMigrate
    CHECK(c.skipped == 1);  // TestRefunds
    const TestCase& create = named(d, "TestOrders/create");
    CHECK(create.suite == "example.com/shop/e2e");
    // The last line t.Errorf wrote (joined across the two output events it came in); the
    // t.Log line before it is in the detail.
    CHECK(create.message ==
          "orders_test.go:42: create order: Post \"http://orders.shop.svc.cluster.local:8080/"
          "orders\": dial tcp 10.96.14.2:8080: connect: connection refused");
    CHECK(create.detail.find("orders_test.go:31: posting order 1") != std::string::npos);
    CHECK(create.detail.find("\"http://orders.shop.svc.cluster.local:8080/orders\": dial tcp "
                             "10.96.14.2:8080: connect: connection refused") != std::string::npos);
    CHECK(create.detail.find("=== RUN") == std::string::npos);
    CHECK(create.seconds == doctest::Approx(30.0));
    REQUIRE(create.time);
    REQUIRE(create.end);
    CHECK(kmg::format_rfc3339(*create.time).starts_with("2026-02-04T10:30:00"));
    CHECK(kmg::format_rfc3339(*create.end).starts_with("2026-02-04T10:30:30"));
    CHECK(named(d, "TestOrders").message == "subtests failed: TestOrders/create");
    CHECK(named(d, "TestRefunds").message == "refunds_test.go:12: refunds need a payment provider");
    // The binary timed out inside TestMigrate: the test failed with the panic as its message.
    const TestCase& migrate = named(d, "TestMigrate");
    CHECK(migrate.status == "failed");
    CHECK(migrate.message == "panic: test timed out after 10s");
  }

  TEST_CASE("go test -json: a failure no test accounts for is the package's") {
    TestData d;
    kmg::report::add_go_test_json(
        R"({"Time":"2026-02-04T10:00:00Z","Action":"start","Package":"example.com/broken"}
{"Time":"2026-02-04T10:00:01Z","Action":"output","Package":"example.com/broken","Output":"FAIL\texample.com/broken [setup failed]\n"}
{"Time":"2026-02-04T10:00:01Z","Action":"output","Package":"example.com/broken","Output":"panic: cannot reach the cluster at https://127.0.0.1:6443\n"}
{"Time":"2026-02-04T10:00:01Z","Action":"fail","Package":"example.com/broken","Elapsed":0.5,"FailedBuild":"example.com/broken"}
)",
        "pkg.json", d);
    REQUIRE(d.cases.size() == 1);
    CHECK(d.cases[0].name == "example.com/broken");
    CHECK(d.cases[0].status == "failed");
    CHECK(d.cases[0].message == "panic: cannot reach the cluster at https://127.0.0.1:6443");
  }

  TEST_CASE("go test -json: truncated or damaged input names the file and keeps the rest") {
    const std::string full = sample("go-test.json");
    // Cut in the middle of the event that would end TestOrders/create.
    const std::size_t cut = full.find(
        "\"Action\":\"fail\",\"Package\":\"example.com/shop/e2e\",\"Test\":\"TestOrders/create\"");
    REQUIRE(cut != std::string::npos);
    TestData d;
    kmg::report::add_test_results(full.substr(0, cut), "attachments/unit.json", d);
    CHECK(has_error_naming(d, "attachments/unit.json", "not test2json"));
    CHECK(has_error_naming(d, "attachments/unit.json", "TestOrders/create"));
    CHECK(named(d, "TestHealth").status == "passed");
    CHECK(named(d, "TestOrders/list").status == "passed");
    CHECK(d.cases.size() == 2);

    TestData mixed;
    kmg::report::add_go_test_json("# example.com/x\n" + full.substr(0, full.find('\n') + 1) +
                                      "{\"Action\": broken}\n" + full.substr(full.find('\n') + 1),
                                  "mixed.json", mixed);
    CHECK(has_error_naming(mixed, "mixed.json", "1 lines are not test2json events (first: line 3"));
    CHECK(count(mixed).failed == 3);  // nothing else lost
  }

  TEST_CASE("go test -json: a failed test keeps only the tail of a huge output") {
    TestData d;
    kmg::report::GoTestJsonReader reader("big.json", d);
    reader.feed(R"({"Time":"2026-02-04T10:00:00Z","Action":"run","Package":"p","Test":"TestBig"})"
                "\n");
    for (int i = 0; i < 200000; ++i) {
      const std::string line =
          R"({"Time":"2026-02-04T10:00:01Z","Action":"output","Package":"p","Test":"TestBig","Output":"    big_test.go:9: line )" +
          std::to_string(i) + R"(\n"})" + "\n";
      // Chunks that split events anywhere, as a tar entry arrives.
      reader.feed(std::string_view(line).substr(0, 17));
      reader.feed(std::string_view(line).substr(17));
    }
    reader.feed(
        R"({"Time":"2026-02-04T10:05:00Z","Action":"fail","Package":"p","Test":"TestBig","Elapsed":300})");
    reader.finish();
    REQUIRE(d.cases.size() == 1);
    const TestCase& big = d.cases[0];
    CHECK(big.status == "failed");
    CHECK(big.detail.size() <= kmg::report::kTestDetailCap);
    CHECK(big.detail.find("line 199999") != std::string::npos);
    CHECK(big.detail.find("line 199000") == std::string::npos);
    const auto lines = kmg::split(big.detail, '\n');
    CHECK(lines.size() <= kmg::report::GoTestJsonReader::kGoTestTailLines + 1);
    CHECK(d.parse_errors.empty());
  }

  TEST_CASE("a finding explains a failed test only when its evidence overlaps the test's run") {
    using kmg::report::EvidenceTimes;
    kmg::testing::ModelFixture m;
    const auto pod = [](const std::string& name) {
      return json{{"metadata", {{"namespace", "shop"}, {"name", name}}},
                  {"status", json::object()}};
    };
    const auto warning = [](const std::string& name, const std::string& first,
                            const std::string& last) {
      return json{{"type", "Warning"},
                  {"reason", "BackOff"},
                  {"involvedObject", {{"kind", "Pod"}, {"namespace", "shop"}, {"name", name}}},
                  {"firstTimestamp", first},
                  {"lastTimestamp", last}};
    };
    m.list("pods", json::array({pod("now-0")}));
    m.events(json::array({warning("now-0", "2026-02-04T10:10:00Z", "2026-02-04T10:12:00Z"),
                          warning("gone-0", "2026-02-04T08:00:00Z", "2026-02-04T08:05:00Z")}));
    const EvidenceTimes times(m.model);
    kmg::report::Finding now, gone, timeless;
    now.object = {"kind", "shop", "Pod", "now-0"};
    gone.object = {"kind", "shop", "Pod", "gone-0"};
    timeless.object = {"kind", "shop", "Deployment", "web"};
    const auto test_at = [](const std::string& start, const std::string& end) {
      TestCase t;
      t.status = "failed";
      t.time = kmg::parse_rfc3339(start);
      t.end = kmg::parse_rfc3339(end);
      return t;
    };
    // During the crash loop, and after it while the pod is still there (it is still failing).
    CHECK(times.explains(test_at("2026-02-04T10:11:00Z", "2026-02-04T10:13:00Z"), now));
    CHECK(times.explains(test_at("2026-02-04T11:00:00Z", "2026-02-04T11:01:00Z"), now));
    // A test over before the first warning (beyond the slack) is not explained by it.
    CHECK_FALSE(times.explains(test_at("2026-02-04T09:00:00Z", "2026-02-04T09:05:00Z"), now));
    CHECK(times.explains(test_at("2026-02-04T10:00:00Z", "2026-02-04T10:07:00Z"), now));  // slack
    // A pod that failed and is gone explains tests of its time only.
    CHECK(times.explains(test_at("2026-02-04T08:04:00Z", "2026-02-04T08:06:00Z"), gone));
    CHECK_FALSE(times.explains(test_at("2026-02-04T10:11:00Z", "2026-02-04T10:13:00Z"), gone));
    // No times on either side: no constraint.
    CHECK(times.explains(test_at("2026-02-04T09:00:00Z", "2026-02-04T09:05:00Z"), timeless));
    TestCase untimed;
    CHECK(times.explains(untimed, gone));
  }
}
