// The fake apiserver learning time: watches (from a resourceVersion, bookmarks, 410, timeouts),
// log follows, the scenario script's ops and outages, over HTTPS against the real binary.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "fake_apiserver_process.h"
#include "test_client.h"
#include "util/errors.h"
#include "util/text.h"

namespace {

using kmg::testing::Client;
using kmg::testing::FakeApiserver;
using kmg::testing::FakeApiserverOptions;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::string kMini = std::string(KMG_FAKE_APISERVER_TESTDATA) + "/mini.json";

// A scenario file holding only a script, merged after mini.json.
struct ScriptFile {
  std::string path;
  explicit ScriptFile(const json& steps) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kmg-script.XXXXXX").string();
    const int fd = mkstemp(tmpl.data());
    REQUIRE(fd >= 0);
    ::close(fd);
    path = tmpl;
    std::ofstream(path) << json{{"script", steps}}.dump();
  }
  ~ScriptFile() { std::filesystem::remove(path); }
  ScriptFile(const ScriptFile&) = delete;
  ScriptFile& operator=(const ScriptFile&) = delete;
};

FakeApiserver start_with(const std::string& script, std::vector<std::string> extra) {
  FakeApiserverOptions o;
  o.scenarios = {kMini, script};
  o.cluster_name = "mini";
  o.extra_args = std::move(extra);
  return FakeApiserver::start(o);
}

// mini.json plus a script, served until the end of the scope.
struct Live {
  ScriptFile script;
  FakeApiserver api;
  explicit Live(const json& steps, std::vector<std::string> extra = {})
      : script(steps), api(start_with(script.path, std::move(extra))) {}
};

std::unique_ptr<Live> start(const json& steps, std::vector<std::string> extra = {}) {
  return std::make_unique<Live>(steps, std::move(extra));
}

struct Stream {
  int status = 0;
  std::vector<json> events;  // watch: one per line
  std::string text;          // everything received
  httplib::Error error = httplib::Error::Success;
  double seconds = 0;
};

// GETs a streamed response until it ends, `enough` says stop, or `limit_s` passes.
Stream stream(Client& c, const std::string& path, double limit_s = 10,
              const std::function<bool(const Stream&)>& enough = nullptr) {
  Stream out;
  const auto start = Clock::now();
  c.http->set_read_timeout(static_cast<time_t>(limit_s) + 1);
  std::string partial;
  auto res = c.http->Get(
      path.c_str(), httplib::Headers{{"Accept", "application/json"}},
      [&](const httplib::Response& r) {
        out.status = r.status;
        return true;
      },
      [&](const char* data, size_t len) {
        out.text.append(data, len);
        partial.append(data, len);
        for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
          const std::string line = partial.substr(0, nl);
          partial.erase(0, nl + 1);
          if (!line.empty() && line[0] == '{') out.events.push_back(json::parse(line));
        }
        const bool over = std::chrono::duration<double>(Clock::now() - start).count() > limit_s;
        return !over && !(enough && enough(out));
      });
  out.error = res.error();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return out;
}

std::vector<std::string> types(const Stream& s) {
  std::vector<std::string> out;
  for (const auto& e : s.events) out.push_back(e["type"].get<std::string>());
  return out;
}

std::string list_rv(Client& c, const std::string& path) {
  return c.get_json(path)["metadata"]["resourceVersion"].get<std::string>();
}

json configmap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"data", {{"k", "v"}}}};
}

}  // namespace

TEST_SUITE("fake-apiserver watch") {
  TEST_CASE("watch from a resourceVersion replays later changes; 0 starts with ADDED") {
    auto live = start({{{"after_ms", 800}, {"op", "apply"}, {"object", configmap("late")}},
                       {{"after_ms", 50},
                        {"op", "patch"},
                        {"apiVersion", "v1"},
                        {"kind", "ConfigMap"},
                        {"namespace", "shop"},
                        {"name", "late"},
                        {"merge", {{"data", {{"k", "w"}}}}}}});
    Client c(live->api);
    const std::string rv = list_rv(c, "/api/v1/namespaces/shop/configmaps");
    auto s = stream(c, "/api/v1/namespaces/shop/configmaps?watch=true&resourceVersion=" + rv, 10,
                    [](const Stream& st) { return st.events.size() >= 2; });
    CHECK(s.status == 200);
    REQUIRE(s.events.size() == 2);
    CHECK(types(s) == std::vector<std::string>{"ADDED", "MODIFIED"});
    const auto& added = s.events[0]["object"];
    CHECK(added["kind"] == "ConfigMap");
    CHECK(added["apiVersion"] == "v1");
    CHECK(added["metadata"]["name"] == "late");
    const auto rv1 = std::stoll(added["metadata"]["resourceVersion"].get<std::string>());
    const auto rv2 =
        std::stoll(s.events[1]["object"]["metadata"]["resourceVersion"].get<std::string>());
    CHECK(rv1 > std::stoll(rv));
    CHECK(rv2 > rv1);
    CHECK(s.events[1]["object"]["data"]["k"] == "w");
    // The list now carries the newest resourceVersion, and a watch from it sees nothing old.
    CHECK(std::stoll(list_rv(c, "/api/v1/configmaps")) == rv2);

    // "0": the current pods as ADDED (all namespaces), then the stream ends at timeoutSeconds.
    const auto pods = c.get_json("/api/v1/pods")["items"].size();
    auto all = stream(c, "/api/v1/pods?watch=1&resourceVersion=0&timeoutSeconds=1", 10);
    CHECK(all.status == 200);
    CHECK(all.error == httplib::Error::Success);  // a clean end of the chunked body
    CHECK(all.events.size() == pods);
    for (const auto& e : all.events) CHECK(e["type"] == "ADDED");
    CHECK(all.seconds >= 0.9);
    CHECK(all.seconds < 5);
  }

  TEST_CASE("selectors filter watch events; leaving a selector is DELETED") {
    auto live = start(
        {{{"after_ms", 600},
          {"op", "apply"},
          {"object",
           {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", "c1"}, {"namespace", "shop"}, {"labels", {{"t", "a"}}}}}}}},
         {{"after_ms", 50}, {"op", "apply"}, {"object", configmap("unlabelled")}},
         {{"after_ms", 50},
          {"op", "patch"},
          {"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"namespace", "shop"},
          {"name", "c1"},
          {"merge", {{"metadata", {{"labels", {{"t", "b"}}}}}}}}});
    Client c(live->api);
    const std::string rv = list_rv(c, "/api/v1/configmaps");
    auto s = stream(c, "/api/v1/configmaps?watch=true&labelSelector=t%3Da&resourceVersion=" + rv,
                    10, [](const Stream& st) { return st.events.size() >= 2; });
    REQUIRE(s.events.size() == 2);
    CHECK(types(s) == std::vector<std::string>{"ADDED", "DELETED"});
    CHECK(s.events[1]["object"]["metadata"]["name"] == "c1");
  }

  TEST_CASE("bookmarks carry only kind, apiVersion and the resourceVersion") {
    auto live = start(json::array(), {"--bookmark-interval-ms", "200"});
    Client c(live->api);
    const std::string rv = list_rv(c, "/api/v1/pods");
    auto s = stream(c,
                    "/api/v1/namespaces/shop/pods?watch=true&allowWatchBookmarks=true&"
                    "timeoutSeconds=1&resourceVersion=" +
                        rv,
                    10);
    CHECK(s.status == 200);
    REQUIRE(s.events.size() >= 3);
    for (const auto& e : s.events) {
      CHECK(e["type"] == "BOOKMARK");
      CHECK(e["object"] ==
            json{{"kind", "Pod"}, {"apiVersion", "v1"}, {"metadata", {{"resourceVersion", rv}}}});
    }
    // Without allowWatchBookmarks there are none.
    auto quiet =
        stream(c, "/api/v1/namespaces/shop/pods?watch=true&timeoutSeconds=1&resourceVersion=" + rv);
    CHECK(quiet.events.empty());
    CHECK(quiet.error == httplib::Error::Success);
  }

  TEST_CASE("a resourceVersion older than the history: 200, one ERROR event with 410 Expired") {
    auto live = start({{{"after_ms", 0}, {"op", "apply"}, {"object", configmap("a")}},
                       {{"after_ms", 0}, {"op", "apply"}, {"object", configmap("b")}},
                       {{"after_ms", 0}, {"op", "apply"}, {"object", configmap("c")}},
                       {{"after_ms", 0}, {"op", "apply"}, {"object", configmap("d")}}},
                      {"--watch-history", "2"});
    Client c(live->api);
    // Wait for the script: the last configmap shows in the list.
    for (int i = 0; i < 100 && c.get_json("/api/v1/configmaps")["items"].size() < 4; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto items = c.get_json("/api/v1/configmaps")["items"];
    REQUIRE(items.size() == 4);
    std::vector<long long> rvs;
    for (const auto& i : items)
      rvs.push_back(std::stoll(i["metadata"]["resourceVersion"].get<std::string>()));
    std::sort(rvs.begin(), rvs.end());
    // History keeps c and d: a watch may resume from just before c, not earlier.
    const long long floor = rvs[2] - 1;
    auto s = stream(c, "/api/v1/configmaps?watch=true&resourceVersion=" + std::to_string(rvs[0]));
    CHECK(s.status == 200);
    CHECK(s.error == httplib::Error::Success);
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0]["type"] == "ERROR");
    const auto& st = s.events[0]["object"];
    CHECK(st["kind"] == "Status");
    CHECK(st["code"] == 410);
    CHECK(st["reason"] == "Expired");
    CHECK(st["status"] == "Failure");
    CHECK(st["message"] == "too old resource version: " + std::to_string(rvs[0]) + " (" +
                               std::to_string(floor) + ")");
    CHECK(s.text.rfind("{\"type\":\"ERROR\",\"object\":{", 0) == 0);
    // From the floor itself the two kept changes replay.
    auto ok = stream(c, "/api/v1/configmaps?watch=true&timeoutSeconds=1&resourceVersion=" +
                            std::to_string(floor));
    CHECK(types(ok) == std::vector<std::string>{"ADDED", "ADDED"});
  }

  TEST_CASE("follow logs: lines appended later, ends when the container restarts") {
    auto live = start({{{"after_ms", 700},
                        {"op", "log"},
                        {"namespace", "shop"},
                        {"pod", "api-0"},
                        {"container", "api"},
                        {"lines", {"request served", "shutting down"}}},
                       {{"after_ms", 300},
                        {"op", "restart"},
                        {"namespace", "shop"},
                        {"pod", "api-0"},
                        {"container", "api"},
                        {"exit_code", 137},
                        {"reason", "OOMKilled"},
                        {"state", "CrashLoopBackOff"}}});
    Client c(live->api);
    auto s = stream(c, "/api/v1/namespaces/shop/pods/api-0/log?follow=true&timestamps=true", 10);
    CHECK(s.status == 200);
    CHECK(s.error == httplib::Error::Success);  // ended by the server, not the limit
    CHECK(s.seconds < 8);
    const auto lines = kmg::split(s.text, '\n');
    REQUIRE(lines.size() >= 7);  // four from the scenario, two appended, and the final ""
    CHECK(lines[0] == "2026-02-04T10:00:00.000000000Z line one");
    CHECK(lines[4].find(" request served") != std::string::npos);
    CHECK(lines[4].size() == std::string("2026-02-04T10:00:00.000000000Z request served").size());
    CHECK(lines[5].find(" shutting down") != std::string::npos);

    auto previous = c.get("/api/v1/namespaces/shop/pods/api-0/log?previous=true", "*/*");
    REQUIRE(previous);
    CHECK(previous->body ==
          "line one\nline two\nline three\nline four\nrequest served\nshutting down\n");
    auto current = c.get("/api/v1/namespaces/shop/pods/api-0/log", "*/*");
    REQUIRE(current);
    CHECK(current->body.empty());
    const auto pod = c.get_json("/api/v1/namespaces/shop/pods/api-0");
    const auto& st = pod["status"]["containerStatuses"][0];
    CHECK(st["restartCount"] == 1);
    CHECK(st["lastState"]["terminated"]["exitCode"] == 137);
    CHECK(st["lastState"]["terminated"]["reason"] == "OOMKilled");
    CHECK(st["state"]["waiting"]["reason"] == "CrashLoopBackOff");
    CHECK(st["containerID"] != st["lastState"]["terminated"]["containerID"]);
    const auto events =
        c.get_json("/api/v1/namespaces/shop/events?fieldSelector=involvedObject.name%3Dapi-0");
    bool backoff = false;
    for (const auto& e : events["items"]) {
      if (e["reason"] == "BackOff") {
        backoff = true;
        CHECK(e["type"] == "Warning");
        CHECK(e["message"] == "Back-off restarting failed container api in pod api-0_shop(" +
                                  pod["metadata"]["uid"].get<std::string>() + ")");
        CHECK(e["involvedObject"]["fieldPath"] == "spec.containers{api}");
        CHECK(e["source"]["component"] == "kubelet");
      }
    }
    CHECK(backoff);
  }

  TEST_CASE("restart to running writes Pulled, Created, Started; repeats aggregate") {
    json restart = {{"op", "restart"},    {"namespace", "shop"}, {"pod", "api-0"},
                    {"container", "api"}, {"exit_code", 1},      {"after_ms", 0}};
    auto live = start(json::array({restart, restart}));
    Client c(live->api);
    json started;
    for (int i = 0; i < 100; ++i) {
      const json events = c.get_json("/api/v1/namespaces/shop/events");
      for (const auto& e : events["items"]) {
        if (e["reason"] == "Started" && e["involvedObject"]["name"] == "api-0") started = e;
      }
      if (!started.is_null() && started["count"] == 2) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    REQUIRE_FALSE(started.is_null());
    CHECK(started["message"] == "Started container api");
    CHECK(started["count"] == 2);
    const auto pod = c.get_json("/api/v1/namespaces/shop/pods/api-0");
    CHECK(pod["status"]["containerStatuses"][0]["restartCount"] == 2);
    CHECK(pod["status"]["containerStatuses"][0]["state"].contains("running"));
    // events.k8s.io sees the same Event.
    bool v1 = false;
    const json v1_events = c.get_json("/apis/events.k8s.io/v1/namespaces/shop/events");
    for (const auto& e : v1_events["items"]) {
      v1 = v1 || (e["reason"] == "Started" && e["note"] == "Started container api");
    }
    CHECK(v1);
  }

  TEST_CASE("script: delete, delete-namespace, done file and exit") {
    const std::string done =
        (std::filesystem::temp_directory_path() / ("kmg-done-" + std::to_string(::getpid())))
            .string();
    std::filesystem::remove(done);
    auto live = start({{{"after_ms", 700},
                        {"op", "delete"},
                        {"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"namespace", "shop"},
                        {"name", "puller"}},
                       {{"after_ms", 50}, {"op", "delete-namespace"}, {"name", "shop"}},
                       {{"after_ms", 700}, {"op", "exit"}}},
                      {"--script-done-file", done});
    Client c(live->api);
    const std::string rv = list_rv(c, "/api/v1/pods");
    const auto pods_in_shop = c.get_json("/api/v1/namespaces/shop/pods")["items"].size();
    auto pods = stream(c, "/api/v1/pods?watch=true&resourceVersion=" + rv, 10,
                       [&](const Stream& s) { return s.events.size() >= pods_in_shop; });
    REQUIRE(pods.events.size() == pods_in_shop);
    CHECK(pods.events[0]["type"] == "DELETED");
    CHECK(pods.events[0]["object"]["metadata"]["name"] == "puller");
    for (const auto& e : pods.events) CHECK(e["type"] == "DELETED");
    auto ns = stream(c, "/api/v1/namespaces?watch=true&resourceVersion=" + rv, 10,
                     [](const Stream& s) { return s.events.size() >= 2; });
    REQUIRE(ns.events.size() == 2);
    CHECK(ns.events[0]["type"] == "MODIFIED");
    CHECK(ns.events[0]["object"]["status"]["phase"] == "Terminating");
    CHECK(ns.events[0]["object"]["metadata"].contains("deletionTimestamp"));
    CHECK(ns.events[1]["type"] == "DELETED");
    CHECK(c.get_json("/api/v1/namespaces/shop/configmaps")["items"].empty());
    CHECK(live->api.wait_exit(10000) == 0);
    CHECK(std::filesystem::exists(done));
    std::filesystem::remove(done);
  }

  TEST_CASE("outage: open watches drop, connections are refused, then a compacted history") {
    auto live = start({{{"after_ms", 800}, {"op", "apply"}, {"object", configmap("before")}},
                       {{"after_ms", 50}, {"op", "outage"}, {"seconds", 1.5}, {"compact", true}},
                       {{"after_ms", 100}, {"op", "apply"}, {"object", configmap("during")}}});
    Client c(live->api);
    const std::string rv = list_rv(c, "/api/v1/configmaps");
    auto s = stream(c, "/api/v1/configmaps?watch=true&resourceVersion=" + rv, 10);
    // Dropped mid-stream (no terminating chunk), well before the 10 s limit.
    CHECK(s.status == 200);
    REQUIRE(s.events.size() == 1);
    CHECK(s.events[0]["object"]["metadata"]["name"] == "before");
    CHECK(s.error != httplib::Error::Success);
    CHECK(s.seconds < 3);
    Client during(live->api);
    during.http->set_connection_timeout(1);
    auto refused = during.get("/api/v1/configmaps");
    CHECK_FALSE(refused);
    json list;
    for (int i = 0; i < 100; ++i) {
      Client after(live->api);
      if (auto r = after.get("/api/v1/configmaps"); r && r->status == 200) {
        list = json::parse(r->body);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE_FALSE(list.is_null());
    Client after(live->api);
    auto expired = stream(after, "/api/v1/configmaps?watch=true&resourceVersion=" + rv);
    REQUIRE(expired.events.size() == 1);
    CHECK(expired.events[0]["object"]["code"] == 410);
    // From the fresh list's resourceVersion the watch works again.
    auto fresh = stream(after, "/api/v1/configmaps?watch=true&timeoutSeconds=1&resourceVersion=" +
                                   list["metadata"]["resourceVersion"].get<std::string>());
    CHECK(fresh.status == 200);
    CHECK(fresh.error == httplib::Error::Success);
  }

  TEST_CASE("a malformed script step fails the start") {
    CHECK_THROWS_WITH_AS(start({{{"after_ms", 0}, {"op", "explode"}}}),
                         doctest::Contains("unknown op 'explode'"), kmg::Error);
    CHECK_THROWS_WITH_AS(start({{{"op", "log"}, {"namespace", "shop"}}}),
                         doctest::Contains("needs \"pod\""), kmg::Error);
  }

  TEST_CASE("churn keeps pods changing") {
    FakeApiserverOptions o;
    o.cluster_name = "churny";
    o.extra_args = {"--churn-pods", "20", "--churn-interval-ms", "100"};
    auto api = FakeApiserver::start(o);
    Client c(api);
    const auto list = c.get_json("/api/v1/namespaces/churn/pods");
    CHECK(list["items"].size() == 20);
    auto s = stream(c,
                    "/api/v1/namespaces/churn/pods?watch=true&resourceVersion=" +
                        list["metadata"]["resourceVersion"].get<std::string>(),
                    10, [](const Stream& st) { return st.events.size() >= 12; });
    REQUIRE(s.events.size() >= 12);
    const auto t = types(s);
    CHECK(std::count(t.begin(), t.end(), "MODIFIED") >= 2);
    CHECK(std::count(t.begin(), t.end(), "DELETED") >= 2);
    CHECK(std::count(t.begin(), t.end(), "ADDED") >= 2);
    auto log = c.get("/api/v1/namespaces/churn/pods/churn-0001/log", "*/*");
    REQUIRE(log);
    CHECK(log->status == 200);
  }
}
