// Go tabwriter equivalence, Kubernetes quantities, and the event Age/table helpers.
#include <doctest/doctest.h>

#include "collectors/describe/events_table.h"
#include "collectors/describe/quantity.h"
#include "collectors/describe/tabwriter.h"
#include "describe_test_util.h"
#include "util/timestamps.h"

using kmg::describe::Quantity;
using kmg::describe::tabwrite;
using kmg::describe::testing::lines_of;
using nlohmann::json;

namespace {

std::string canonical(const char* text) {
  const auto q = Quantity::parse(text);
  REQUIRE(q.has_value());
  return q->to_string();
}

const kmg::EpochNanos kNow = *kmg::parse_rfc3339("2024-05-01T12:00:00Z");

std::string ago(int seconds) { return kmg::format_rfc3339(kNow - seconds * 1'000'000'000LL); }

}  // namespace

TEST_SUITE("describe") {
  TEST_CASE("tabwriter pads each column to its widest cell plus two") {
    CHECK(tabwrite("a\tb\nccc\td\n") == "a    b\nccc  d\n");
  }

  TEST_CASE("tabwriter ignores the text after the last tab when sizing") {
    CHECK(tabwrite("x\tvery long trailing text\nyy\tz\n") ==
          "x   very long trailing text\nyy  z\n");
  }

  TEST_CASE("tabwriter starts a new block after a line without the column") {
    CHECK(tabwrite("a\tb\nno tabs here\nlonger\tc\n") == "a  b\nno tabs here\nlonger  c\n");
  }

  TEST_CASE("tabwriter sizes inner columns only over the lines that have them") {
    CHECK(tabwrite("a\tb\tc\nd\teeee\n") == "a  b  c\nd  eeee\n");
    CHECK(tabwrite("k\tv1\tx\nkk\tv2222\ty\n") == "k   v1     x\nkk  v2222  y\n");
  }

  TEST_CASE("tabwriter pads empty cells and counts UTF-8 code points") {
    CHECK(tabwrite("\tx\nkey\ty\n") == "     x\nkey  y\n");
    CHECK(tabwrite("\xC3\xA9\tx\nab\ty\n") == "\xC3\xA9   x\nab  y\n");
  }

  TEST_CASE("tabwriter honours minwidth and padding (kubectl get uses 6 and 3)") {
    CHECK(tabwrite("A\tB\nxy\tz\n", 6, 3) == "A     B\nxy    z\n");
  }

  TEST_CASE("PrefixWriter indents by level and flush() separates alignment blocks") {
    kmg::describe::PrefixWriter w;
    w.write(0, "Name:\tx\n");
    w.write(1, "Long label:\ty\n");
    w.flush();
    w.write(0, "A:\tz\n");
    CHECK(w.str() == "Name:          x\n  Long label:  y\nA:  z\n");
  }

  TEST_CASE("quantities print in canonical form like apimachinery") {
    CHECK(canonical("100m") == "100m");
    CHECK(canonical("1.5") == "1500m");
    CHECK(canonical("2000m") == "2");
    CHECK(canonical("2000") == "2k");
    CHECK(canonical("64Mi") == "64Mi");
    CHECK(canonical("1024Mi") == "1Gi");
    CHECK(canonical("0.5Gi") == "512Mi");
    CHECK(canonical("1.5Gi") == "1536Mi");
    CHECK(canonical("16393916Ki") == "16393916Ki");
    CHECK(canonical("0.5Ki") == "512");
    CHECK(canonical("128974848") == "128974848");
    CHECK(canonical("129e6") == "129e6");
    CHECK(canonical("0") == "0");
    CHECK(canonical("0.1") == "100m");
  }

  TEST_CASE("quantities reject text that is not a quantity") {
    for (const char* bad : {"", "abc", "1.2.3", "5Xi", "Mi", ".", "1e"}) {
      CAPTURE(bad);
      CHECK_FALSE(Quantity::parse(bad).has_value());
    }
  }

  TEST_CASE("quantity values round up and sums keep the first non-zero format") {
    CHECK(Quantity::parse("100m")->milli_value() == 100);
    CHECK(Quantity::parse("100m")->value() == 1);
    CHECK(Quantity::parse("1Gi")->value() == 1073741824);
    Quantity sum;
    sum.add(*Quantity::parse("64Mi"));
    sum.add(*Quantity::parse("64Mi"));
    CHECK(sum.to_string() == "128Mi");
    Quantity cpu = *Quantity::parse("100m");
    cpu.add(*Quantity::parse("900m"));
    CHECK(cpu.to_string() == "1");
    CHECK(Quantity::parse("1")->compare(*Quantity::parse("1000m")) == 0);
    CHECK(Quantity::parse("1Ki")->compare(*Quantity::parse("1k")) > 0);
  }

  TEST_CASE("event age shows repeats as '(xN over M)'") {
    const json legacy = {
        {"count", 12}, {"firstTimestamp", ago(8 * 60)}, {"lastTimestamp", ago(180)}};
    CHECK(kmg::describe::event_age(legacy, kNow) == "3m (x12 over 8m)");
    const json single = {{"count", 1}, {"firstTimestamp", ago(45)}, {"lastTimestamp", ago(45)}};
    CHECK(kmg::describe::event_age(single, kNow) == "45s");
    const json series = {{"eventTime", ago(600)},
                         {"series", {{"count", 3}, {"lastObservedTime", ago(45)}}}};
    CHECK(kmg::describe::event_age(series, kNow) == "45s (x3 over 10m)");
    CHECK(kmg::describe::event_age(json::object(), kNow) == "<unknown>");
  }

  TEST_CASE("event times and source follow kubectl's fallbacks") {
    const json scheduler = {{"eventTime", ago(30)},
                            {"firstTimestamp", nullptr},
                            {"source", json::object()},
                            {"reportingComponent", "default-scheduler"}};
    CHECK(kmg::describe::event_source(scheduler) == "default-scheduler");
    CHECK(kmg::describe::event_first_time(scheduler) == kNow - 30'000'000'000LL);
    CHECK(kmg::describe::event_last_time(scheduler) == kNow - 30'000'000'000LL);
    const json kubelet = {{"source", {{"component", "kubelet"}}},
                          {"reportingComponent", "x"},
                          {"firstTimestamp", ago(100)},
                          {"lastTimestamp", ago(10)}};
    CHECK(kmg::describe::event_source(kubelet) == "kubelet");
    CHECK(kmg::describe::event_last_time(kubelet) == kNow - 10'000'000'000LL);
    const json v1 = {{"deprecatedSource", {{"component", "kubelet"}}}};
    CHECK(kmg::describe::event_source(v1) == "kubelet");
  }

  TEST_CASE("describe events section: <none>, then a sorted table after a flush") {
    kmg::describe::PrefixWriter empty;
    empty.write(0, "Tolerations:\t<none>\n");
    kmg::describe::describe_events(empty, {}, kNow);
    CHECK(empty.str() == "Tolerations:  <none>\nEvents:       <none>\n");

    const json late = {{"type", "Warning"},
                       {"reason", "BackOff"},
                       {"count", 12},
                       {"firstTimestamp", ago(8 * 60)},
                       {"lastTimestamp", ago(180)},
                       {"source", {{"component", "kubelet"}}},
                       {"message", "Back-off restarting failed container app\n"}};
    const json early = {{"type", "Normal"},
                        {"reason", "Scheduled"},
                        {"eventTime", ago(600)},
                        {"reportingComponent", "default-scheduler"},
                        {"message", "Successfully assigned default/web to kind-worker"}};
    kmg::describe::PrefixWriter w;
    w.write(0, "A much longer label:\tvalue\n");
    kmg::describe::describe_events(w, {&late, nullptr, &early}, kNow);
    const auto lines = lines_of(w.str());
    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "A much longer label:  value");
    CHECK(lines[1] == "Events:");
    CHECK(lines[2] == "  Type     Reason     Age               From               Message");
    CHECK(lines[3] == "  ----     ------     ----              ----               -------");
    CHECK(lines[4] ==
          "  Normal   Scheduled  10m               default-scheduler  Successfully assigned "
          "default/web to kind-worker");
    CHECK(lines[5] ==
          "  Warning  BackOff    3m (x12 over 8m)  kubelet            Back-off restarting failed "
          "container app");
  }

  TEST_CASE("events_table is chronological with kind/name, namespace and count") {
    const json backoff = {
        {"type", "Warning"},
        {"reason", "BackOff"},
        {"involvedObject", {{"kind", "Pod"}, {"name", "web"}, {"namespace", "shop"}}},
        {"count", 12},
        {"firstTimestamp", ago(8 * 60)},
        {"lastTimestamp", ago(180)},
        {"message", "Back-off\trestarting\nfailed container"}};
    const json node = {{"type", "Normal"},
                       {"reason", "NodeReady"},
                       {"involvedObject", {{"kind", "Node"}, {"name", "kind-worker"}}},
                       {"lastTimestamp", ago(3600)},
                       {"message", "Node kind-worker status is now: NodeReady"}};
    const json scheduled = {
        {"type", "Normal"},
        {"reason", "Scheduled"},
        {"regarding", {{"kind", "Pod"}, {"name", "web"}, {"namespace", "shop"}}},
        {"eventTime", ago(600)},
        {"note", "Successfully assigned shop/web to kind-worker"}};
    const std::string table = kmg::describe::events_table({&backoff, &node, &scheduled}, kNow);
    const auto lines = lines_of(table);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].rfind("LAST SEEN   TYPE", 0) == 0);
    CHECK(lines[1].rfind("60m", 0) == 0);
    CHECK(lines[1].find("node/kind-worker") != std::string::npos);
    CHECK(lines[2].rfind("10m", 0) == 0);
    CHECK(lines[2].find("pod/web") != std::string::npos);
    CHECK(lines[3].rfind("3m ", 0) == 0);
    CHECK(lines[3].find("Back-off restarting failed container") != std::string::npos);
    CHECK(lines[3].substr(lines[3].size() - 2) == "12");
    CHECK(lines[2].back() == '1');
    // Columns line up under the header.
    const auto type_col = lines[0].find("TYPE");
    CHECK(lines[1].substr(type_col, 6) == "Normal");
    CHECK(lines[3].substr(type_col, 7) == "Warning");
    const auto ns_col = lines[0].find("NAMESPACE");
    CHECK(lines[3].substr(ns_col, 4) == "shop");
  }

  TEST_CASE("events_table has a header even without events") {
    const auto lines = lines_of(kmg::describe::events_table({}, kNow));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].rfind("LAST SEEN", 0) == 0);
  }
}
