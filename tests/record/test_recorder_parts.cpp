// The recorder's pure parts: watch-event framing, which CRD version is watched, which container
// instances have a log to fetch.
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "record/json_framer.h"
#include "record/log_follower.h"
#include "record/watched_resources.h"

using kmg::record::JsonFramer;
using nlohmann::json;

TEST_CASE("JsonFramer: objects split across chunks, braces and quotes inside strings") {
  const std::string stream =
      R"({"type":"ADDED","object":{"m":"a } { \" \\"}}  )"
      "\n"
      R"({"type":"BOOKMARK","object":{}}{"type":"DELETED","object":{"x":[1,{"y":2}]}})";
  for (std::size_t cut = 1; cut <= 7; ++cut) {
    std::vector<std::string> seen;
    JsonFramer framer([&](std::string_view o) {
      seen.emplace_back(o);
      return true;
    });
    for (std::size_t i = 0; i < stream.size(); i += cut) framer.feed(stream.substr(i, cut));
    REQUIRE(seen.size() == 3);
    CHECK(json::parse(seen[0])["object"]["m"] == "a } { \" \\");
    CHECK(json::parse(seen[1])["type"] == "BOOKMARK");
    CHECK(json::parse(seen[2])["object"]["x"][1]["y"] == 2);
    CHECK(framer.pending() == 0);
  }
}

TEST_CASE("JsonFramer: a sink returning false stops the feed; an unfinished object is pending") {
  int n = 0;
  JsonFramer framer([&](std::string_view) { return ++n < 1; });
  CHECK_FALSE(framer.feed(R"({"a":1}{"b":2})"));
  CHECK(n == 1);
  JsonFramer partial([](std::string_view) { return true; });
  partial.feed(R"({"a":{"b")");
  CHECK(partial.pending() == 9);
}

TEST_CASE("custom_resource_of: the storage version when served, else the first served") {
  json crd = {{"spec",
               {{"group", "example.test"},
                {"names", {{"plural", "widgets"}}},
                {"versions",
                 {{{"name", "v1alpha1"}, {"served", false}, {"storage", false}},
                  {{"name", "v1beta1"}, {"served", true}, {"storage", false}},
                  {{"name", "v1"}, {"served", true}, {"storage", true}}}}}}};
  auto r = kmg::record::custom_resource_of(crd);
  REQUIRE(r);
  CHECK(r->collection_path() == "/apis/example.test/v1/widgets");
  crd["spec"]["versions"][2]["served"] = false;
  CHECK(kmg::record::custom_resource_of(crd)->version == "v1beta1");
  crd["spec"]["versions"][1]["served"] = false;
  CHECK_FALSE(kmg::record::custom_resource_of(crd));
}

TEST_CASE("the built-in table never holds Secrets") {
  for (const auto& r : kmg::record::builtin_watched()) CHECK_FALSE(kmg::record::never_watched(r));
  CHECK(kmg::record::never_watched({"", "v1", "secrets"}));
}

TEST_CASE("log_requests_of: previous then current instance, init containers, back-off") {
  json pod = json::parse(R"({"metadata":{"namespace":"ns1","name":"p"},"status":{
    "initContainerStatuses":[{"name":"init","restartCount":0,"containerID":"containerd://c1",
      "state":{"terminated":{"exitCode":0,"containerID":"containerd://c1"}}}],
    "containerStatuses":[
      {"name":"app","restartCount":3,"containerID":"containerd://a4","state":{"running":{}},
       "lastState":{"terminated":{"containerID":"containerd://a3"}}},
      {"name":"crash","restartCount":2,"containerID":"containerd://k2",
       "state":{"waiting":{"reason":"CrashLoopBackOff"}},
       "lastState":{"terminated":{"containerID":"containerd://k2"}}},
      {"name":"new","restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]}})");
  auto requests = kmg::record::log_requests_of(pod);
  std::vector<std::string> got;
  for (const auto& r : requests) {
    got.push_back(r.instance.container + " " + r.instance.container_id + " " +
                  std::to_string(r.instance.restart_count) + (r.previous ? " previous" : ""));
  }
  // A container waiting in back-off: its last instance is the newest and has restartCount.
  CHECK(got == std::vector<std::string>{"init containerd://c1 0", "app containerd://a3 2 previous",
                                        "app containerd://a4 3",
                                        "crash containerd://k2 2 previous"});
  CHECK(kmg::record::log_path(requests[1]) ==
        "/api/v1/namespaces/ns1/pods/p/log?container=app&timestamps=true&previous=true");
  CHECK(kmg::record::log_path(requests[2]) ==
        "/api/v1/namespaces/ns1/pods/p/log?container=app&timestamps=true&follow=true");
}

TEST_CASE("LogResume: a reopened stream's repeats are skipped by timestamp, then by count") {
  std::string out;
  kmg::record::LogResume resume;
  const auto sink = [&](std::string_view t) { out.append(t); };
  CHECK(resume.since_time().empty());
  resume.pass("2026-01-01T00:00:01.5Z a\n2026-01-01T00:00:02Z b\n", sink);
  resume.pass("2026-01-01T00:00:02Z c\n", sink);
  CHECK(resume.since_time() == "2026-01-01T00:00:02Z");
  resume.reopen();
  // The server repeats from the second: a (older), b and c (same time, already two), then new.
  resume.pass(
      "2026-01-01T00:00:01.5Z a\n2026-01-01T00:00:02Z b\n2026-01-01T00:00:02Z c\n"
      "2026-01-01T00:00:02Z d\n",
      sink);
  resume.pass("2026-01-01T00:00:02.000000001Z e\n", sink);
  CHECK(out ==
        "2026-01-01T00:00:01.5Z a\n2026-01-01T00:00:02Z b\n2026-01-01T00:00:02Z c\n"
        "2026-01-01T00:00:02Z d\n2026-01-01T00:00:02.000000001Z e\n");
}

TEST_CASE("locate_instance: current, previous, or gone") {
  json pod = json::parse(R"({"metadata":{"namespace":"n","name":"p"},"status":{"containerStatuses":[
    {"name":"app","restartCount":1,"containerID":"docker://new","state":{"running":{}},
     "lastState":{"terminated":{"containerID":"docker://old"}}}]}})");
  kmg::record::LogInstance i;
  i.container = "app";
  i.container_id = "docker://new";
  CHECK(kmg::record::locate_instance(pod, i) == kmg::record::InstanceNow::kCurrent);
  i.container_id = "docker://old";
  CHECK(kmg::record::locate_instance(pod, i) == kmg::record::InstanceNow::kPrevious);
  i.container_id = "docker://older";
  CHECK(kmg::record::locate_instance(pod, i) == kmg::record::InstanceNow::kGone);
}
