// Unit tests of the fake apiserver's pieces (selectors, pod printer, OTLP conversion).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "jaeger.h"
#include "selectors.h"
#include "store.h"
#include "tables.h"

using kmg::fakeapi::json;

TEST_SUITE("fake-apiserver units") {
  TEST_CASE("label selector parsing and matching") {
    const auto sel = kmg::fakeapi::parse_label_selector("app in (web, api),tier!=db,!legacy,env");
    REQUIRE(sel.size() == 4);
    CHECK(sel[0].values == std::vector<std::string>{"web", "api"});
    CHECK(kmg::fakeapi::labels_match(sel, {{"app", "api"}, {"env", "x"}}));
    CHECK_FALSE(kmg::fakeapi::labels_match(sel, {{"app", "api"}}));
    CHECK_FALSE(kmg::fakeapi::labels_match(sel, {{"app", "api"}, {"env", "x"}, {"legacy", "1"}}));
    CHECK_FALSE(kmg::fakeapi::labels_match(sel, {{"app", "db"}, {"env", "x"}}));
    CHECK_THROWS_AS(kmg::fakeapi::parse_label_selector("a in b"), kmg::fakeapi::SelectorError);
  }

  TEST_CASE("pod STATUS column follows kubectl's printer") {
    const json init_failing = {
        {"metadata", {{"name", "p"}, {"creationTimestamp", "2026-02-04T10:00:00Z"}}},
        {"spec", {{"initContainers", {{{"name", "init"}}}}, {"containers", {{{"name", "c"}}}}}},
        {"status",
         {{"phase", "Pending"},
          {"initContainerStatuses",
           {{{"name", "init"},
             {"restartCount", 2},
             {"state", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}}}}}},
          {"containerStatuses",
           {{{"name", "c"}, {"state", {{"waiting", {{"reason", "PodInitializing"}}}}}}}}}}};
    const auto s = kmg::fakeapi::summarize_pod(init_failing, 0);
    CHECK(s.status == "Init:Error");
    CHECK(s.ready == "0/1");
    CHECK(s.restarts == "2");

    const json completed = {
        {"metadata", {{"name", "job-x"}}},
        {"spec", {{"containers", {{{"name", "c"}}}}}},
        {"status",
         {{"phase", "Succeeded"},
          {"containerStatuses",
           {{{"name", "c"},
             {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}}}}}};
    CHECK(kmg::fakeapi::summarize_pod(completed, 0).status == "Completed");

    json terminating = completed;
    terminating["status"]["phase"] = "Running";
    terminating["status"]["containerStatuses"][0]["state"] = {{"running", json::object()}};
    terminating["status"]["containerStatuses"][0]["ready"] = true;
    terminating["metadata"]["deletionTimestamp"] = "2026-02-04T10:00:00Z";
    CHECK(kmg::fakeapi::summarize_pod(terminating, 0).status == "Terminating");
    CHECK(kmg::fakeapi::summarize_pod(terminating, 0).ready == "1/1");
  }

  TEST_CASE("UI trace to OTLP keeps ids, parents and error status") {
    const json trace = {{"traceID", "abc"},
                        {"spans",
                         {{{"traceID", "abc"},
                           {"spanID", "01"},
                           {"operationName", "op"},
                           {"startTime", 10},
                           {"duration", 5},
                           {"references", {{{"refType", "CHILD_OF"}, {"spanID", "00"}}}},
                           {"tags",
                            {{{"key", "error"}, {"type", "bool"}, {"value", true}},
                             {{"key", "n"}, {"type", "int64"}, {"value", 3}}}},
                           {"processID", "p1"}}}},
                        {"processes", {{"p1", {{"serviceName", "svc"}, {"tags", json::array()}}}}}};
    const auto rs = kmg::fakeapi::ui_trace_to_otlp(trace);
    REQUIRE(rs.size() == 1);
    const auto& span = rs[0]["scopeSpans"][0]["spans"][0];
    CHECK(span["traceId"] == "00000000000000000000000000000abc");
    CHECK(span["parentSpanId"] == "00");
    CHECK(span["status"]["code"] == 2);
    CHECK(span["endTimeUnixNano"] == "15000");
    CHECK(span["attributes"] == json::array({{{"key", "n"}, {"value", {{"intValue", "3"}}}}}));
  }
}
