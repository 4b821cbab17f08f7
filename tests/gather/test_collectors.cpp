#include <set>
#include <string>

#include <doctest/doctest.h>

#include "bundle/layout.h"
#include "bundle/truncation.h"
#include "collector_fixture.h"
#include "collectors/common.h"
#include "collectors/custom_resources.h"
#include "collectors/logs.h"
#include "collectors/pods.h"
#include "collectors/resources.h"
#include "collectors/sanitize.h"
#include "collectors/tail_log.h"
#include "gather/gather.h"

using kmg::testing::CollectorFixture;
using nlohmann::json;
namespace layout = kmg::bundle::layout;

namespace {

json pod(const std::string& ns, const std::string& name, int restarts, bool waiting_never_ran) {
  json status = {{"name", "app"}, {"ready", restarts == 0}, {"restartCount", restarts}};
  if (waiting_never_ran) {
    status["state"] = {{"waiting", {{"reason", "ErrImageNeverPull"}}}};
  } else {
    status["containerID"] = "containerd://abc";
    status["state"] = {{"running", {{"startedAt", "2026-02-04T10:00:00Z"}}}};
  }
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"uid", "uid-" + name}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "app:1"}}})}}},
          {"status",
           {{"phase", waiting_never_ran ? "Pending" : "Running"},
            {"containerStatuses", json::array({status})}}}};
}

std::string log_url(const std::string& ns, const std::string& pod, bool previous) {
  return "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?container=app&timestamps=true" +
         (previous ? "&previous=true" : "");
}

}  // namespace

TEST_SUITE("collectors") {
  TEST_CASE("fetch_list follows continue tokens and merges every page") {
    CollectorFixture f;
    f.api.set(
        "/api/v1/pods?limit=500",
        R"({"kind":"PodList","apiVersion":"v1","metadata":{"continue":"t1"},"items":[{"metadata":{"name":"a"}}]})");
    f.api.set(
        "/api/v1/pods?limit=500&continue=t1",
        R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"b"}}]})");
    auto ctx = f.context();
    const auto list = kmg::collectors::fetch_list(ctx, "pods", "/api/v1/pods");
    REQUIRE(list.has_value());
    REQUIRE((*list)["items"].size() == 2);
    CHECK((*list)["items"][1]["metadata"]["name"] == "b");
    CHECK_FALSE((*list)["metadata"].contains("continue"));
  }

  TEST_CASE("fetch_list reads the whole list again on an expired continue token (410)") {
    CollectorFixture f;
    f.api.set(
        "/api/v1/pods?limit=500",
        R"({"kind":"PodList","metadata":{"continue":"old"},"items":[{"metadata":{"name":"a"}}]})");
    f.api.set("/api/v1/pods?limit=500&continue=old",
              R"({"kind":"Status","reason":"Expired","code":410,"message":"too old"})", 410);
    f.api.set(
        "/api/v1/pods",
        R"({"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
    auto ctx = f.context();
    const auto list = kmg::collectors::fetch_list(ctx, "pods", "/api/v1/pods");
    REQUIRE(list.has_value());
    CHECK_FALSE((*list)["metadata"].contains("incomplete"));
    CHECK((*list)["items"].size() == 2);
    const auto failures = f.manifest.to_json()["clusters"]["test-cluster"]["failures"];
    CHECK(failures.empty());  // recovered from: nothing was lost
    CHECK(f.manifest.to_json()["clusters"]["test-cluster"]["collectors"]["pods"]["requests"] == 3);
  }

  TEST_CASE("fetch_list keeps the pages before a failed one, marked incomplete") {
    CollectorFixture f;
    f.api.set(
        "/api/v1/pods?limit=500",
        R"({"kind":"PodList","metadata":{"continue":"t"},"items":[{"metadata":{"name":"a"}}]})");
    f.api.set("/api/v1/pods?limit=500&continue=t", "not json at all");
    auto ctx = f.context();
    const auto list = kmg::collectors::fetch_list(ctx, "pods", "/api/v1/pods");
    REQUIRE(list.has_value());
    CHECK((*list)["metadata"]["incomplete"] == true);
    CHECK((*list)["items"].size() == 1);
    const auto failures = f.manifest.to_json()["clusters"]["test-cluster"]["failures"];
    REQUIRE(failures.size() == 1);
    CHECK(failures[0]["path"] == "/api/v1/pods?limit=500&continue=t");
    CHECK(failures[0]["message"] == "the reply is not a JSON object");
  }

  TEST_CASE("a failed request is recorded, not thrown") {
    CollectorFixture f;
    f.api.set("/apis/batch/v1", R"({"kind":"APIResourceList","groupVersion":"batch/v1",
      "resources":[{"name":"jobs","namespaced":true,"kind":"Job","verbs":["get","list"]}]})");
    f.api.set(
        "/apis/batch/v1/jobs?limit=500",
        R"({"kind":"Status","reason":"Forbidden","code":403,"message":"jobs.batch is forbidden"})",
        403);
    auto ctx = f.context();
    CHECK_NOTHROW(kmg::collectors::collect_resources(ctx));
    const auto failures = f.manifest.to_json()["clusters"]["test-cluster"]["failures"];
    bool found = false;
    for (const auto& fail : failures) {
      if (fail["path"] == "/apis/batch/v1/jobs?limit=500") {
        found = true;
        CHECK(fail["status"] == 403);
        CHECK(fail["message"].get<std::string>().find("forbidden") != std::string::npos);
      }
    }
    CHECK(found);
  }

  TEST_CASE("resources the server does not serve are skipped, not failed") {
    CollectorFixture f;  // discovery answers 404 for everything: nothing to list, nothing failed
    auto ctx = f.context();
    kmg::collectors::collect_resources(ctx);
    CHECK(f.manifest.failure_count() == 0);
    for (const auto& path : f.api.requests()) CHECK(path.find("limit=500") == std::string::npos);
  }

  TEST_CASE("Secrets keep metadata, type and key names, never values") {
    CollectorFixture f;
    f.api.set("/api/v1", R"({"kind":"APIResourceList","groupVersion":"v1",
      "resources":[{"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list"]}]})");
    f.api.set("/api/v1/secrets?limit=500", R"({"kind":"SecretList","apiVersion":"v1","metadata":{},
      "items":[{"metadata":{"name":"db","namespace":"app","annotations":{
        "kubectl.kubernetes.io/last-applied-configuration":"{\"stringData\":{\"password\":\"PLANTED-LAST-APPLIED\"}}"}},
      "type":"Opaque","data":{"password":"UExBTlRFRC1TRUNSRVQ="}}]})");
    auto ctx = f.context();
    kmg::collectors::collect_resources(ctx);
    const auto yaml = f.file(layout::object_yaml("test-cluster", "app", "", "secrets", "db"));
    CHECK(yaml.find("password: (value not collected)") != std::string::npos);
    CHECK(yaml.find("type: Opaque") != std::string::npos);
    CHECK(yaml.find("UExBTlRFRC1TRUNSRVQ=") == std::string::npos);
    CHECK(yaml.find("PLANTED-LAST-APPLIED") == std::string::npos);
    const auto list = f.file(layout::list_json("test-cluster", "", "secrets"));
    CHECK(list.find("UExBTlRFRC1TRUNSRVQ=") == std::string::npos);
  }

  TEST_CASE("custom resources are found through discovery, not a fixed list") {
    CollectorFixture f;
    f.api.set("/apis", R"({"kind":"APIGroupList","groups":[
      {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1"}},
      {"name":"widgets.example.com","versions":[{"groupVersion":"widgets.example.com/v1","version":"v1"}],
       "preferredVersion":{"groupVersion":"widgets.example.com/v1","version":"v1"}}]})");
    f.api.set("/apis/widgets.example.com/v1",
              R"({"kind":"APIResourceList","groupVersion":"widgets.example.com/v1",
      "resources":[{"name":"gizmos","namespaced":true,"kind":"Gizmo","verbs":["get","list"]},
                   {"name":"gizmos/status","namespaced":true,"kind":"Gizmo","verbs":["get"]},
                   {"name":"reviews","namespaced":false,"kind":"Review","verbs":["create"]}]})");
    f.api.set("/apis/widgets.example.com/v1/gizmos?limit=500",
              R"({"kind":"GizmoList","apiVersion":"widgets.example.com/v1",
      "metadata":{},"items":[{"apiVersion":"widgets.example.com/v1","kind":"Gizmo",
      "metadata":{"name":"g1","namespace":"ns1"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}]})");
    f.api.set(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?limit=500",
        R"({"kind":"CustomResourceDefinitionList","apiVersion":"apiextensions.k8s.io/v1","metadata":{},
              "items":[{"metadata":{"name":"gizmos.widgets.example.com"}}]})");
    auto ctx = f.context();
    kmg::collectors::collect_custom_resources(ctx);
    CHECK(f.file(layout::object_yaml("test-cluster", "ns1", "widgets.example.com", "gizmos", "g1"))
              .find("kind: Gizmo") != std::string::npos);
    CHECK(f.exists(layout::list_json("test-cluster", "widgets.example.com", "gizmos")));
    CHECK(f.exists(layout::object_yaml("test-cluster", "", "apiextensions.k8s.io",
                                       "customresourcedefinitions", "gizmos.widgets.example.com")));
    // Built-in groups are the resources collector's; subresources and unlistable kinds are skipped.
    for (const auto& path : f.api.requests()) {
      CHECK(path.find("/apis/apps/v1") == std::string::npos);
      CHECK(path.find("reviews") == std::string::npos);
      CHECK(path.find("gizmos/status") == std::string::npos);
    }
  }

  TEST_CASE(
      "logs: current for containers that ran, previous after a restart, none for never-started") {
    CollectorFixture f;
    f.snapshot.pods = json::array({pod("app", "crashy", 3, false), pod("app", "healthy", 0, false),
                                   pod("app", "neverpulled", 0, true)});
    f.api.set(log_url("app", "crashy", false), "2026-02-04T10:00:00Z starting\n");
    f.api.set(log_url("app", "crashy", true),
              "2026-02-04T09:59:00Z panic: boom\n2026-02-04T09:59:01Z Authorization: Bearer "
              "s3cr3tT0kenValue\n");
    f.api.set(log_url("app", "healthy", false), "2026-02-04T10:00:00Z ok\n");
    auto ctx = f.context();
    kmg::collectors::collect_logs(ctx);
    CHECK(f.file(layout::container_log("test-cluster", "app", "crashy", "app", true))
              .find("panic: boom") != std::string::npos);
    CHECK(f.file(layout::container_log("test-cluster", "app", "crashy", "app", true))
              .find("s3cr3tT0kenValue") == std::string::npos);
    CHECK(f.exists(layout::container_log("test-cluster", "app", "healthy", "app", false)));
    CHECK_FALSE(f.exists(layout::container_log("test-cluster", "app", "healthy", "app", true)));
    for (const auto& path : f.api.requests()) CHECK(path.find("neverpulled") == std::string::npos);
  }

  TEST_CASE("logs keep the tail within the limit and say so on the first line") {
    CollectorFixture f;
    f.options.log_limit_bytes = 100;
    f.snapshot.pods = json::array({pod("app", "chatty", 0, false)});
    std::string body;
    for (int i = 0; i < 50; ++i) body += "2026-02-04T10:00:00Z line " + std::to_string(i) + "\n";
    f.api.set(log_url("app", "chatty", false), body);
    auto ctx = f.context();
    kmg::collectors::collect_logs(ctx);
    const auto log = f.file(layout::container_log("test-cluster", "app", "chatty", "app", false));
    CHECK(kmg::bundle::is_truncation_marker(log));
    CHECK(log.find("line 49\n") != std::string::npos);
    CHECK(log.find("line 0\n") == std::string::npos);
    CHECK(log.size() <= 100 + 80);  // the tail plus the marker line
  }

  TEST_CASE("TailLog spills big logs to disk and keeps only the tail") {
    CollectorFixture f;
    kmg::collectors::TailLog tail(1000, f.tmp.path());
    std::string line(99, 'x');
    line += '\n';
    for (int i = 0; i < 30000; ++i) REQUIRE(tail.write(line));  // 3 MB: beyond the in-memory part
    CHECK(tail.total_bytes() == 3'000'000);
    REQUIRE(tail.finish(f.writer, "big.log") > 0);
    const auto kept = f.file("big.log");
    CHECK(kept.find("kept the last 1000 of 3000000 bytes") != std::string::npos);
    CHECK(kept.size() < 1100);
  }

  TEST_CASE("events are indexed by involved object uid, or by namespace/kind/name") {
    kmg::collectors::ClusterSnapshot snapshot;
    snapshot.events = json::parse(R"([
      {"involvedObject":{"kind":"Pod","namespace":"a","name":"p","uid":"u1"},"reason":"BackOff"},
      {"involvedObject":{"kind":"Pod","namespace":"a","name":"q"},"reason":"Failed"}])");
    kmg::gather::index_events(snapshot);
    CHECK(snapshot.events_by_object.count("u1") == 1);
    CHECK(snapshot.events_by_object.count("a/Pod/q") == 1);
  }

  TEST_CASE("a node's events are those under its uid and those under its name (the kubelet's)") {
    kmg::collectors::ClusterSnapshot snapshot;
    snapshot.events = json::parse(R"([
      {"involvedObject":{"kind":"Node","name":"n1","uid":"n1"},"reason":"NodeReady"},
      {"involvedObject":{"kind":"Node","name":"n1","uid":"uid-n1"},"reason":"RegisteredNode"},
      {"involvedObject":{"kind":"Node","name":"n2","uid":"n2"},"reason":"NodeNotReady"}])");
    kmg::gather::index_events(snapshot);
    const json node = {{"metadata", {{"name", "n1"}, {"uid", "uid-n1"}}}};
    std::set<std::string> reasons;
    for (const json* e : kmg::collectors::node_events(snapshot, node))
      reasons.insert(e->value("reason", ""));
    CHECK(reasons == std::set<std::string>{"NodeReady", "RegisteredNode"});
  }

  TEST_CASE("sanitize masks sensitive env values and keeps others") {
    kmg::Redactor redactor(true);
    json p = json::parse(R"({"kind":"Pod","metadata":{"name":"p","managedFields":[{"manager":"x"}]},
      "spec":{"containers":[{"name":"c","env":[{"name":"DB_PASSWORD","value":"PLANTED-ENV-VALUE"},
      {"name":"LOG_LEVEL","value":"debug"},
      {"name":"GOOGLE_APPLICATION_CREDENTIALS","value":"/credentials/cloud"}]}]}})");
    kmg::collectors::sanitize_object(p, redactor);
    const auto text = p.dump();
    CHECK(text.find("PLANTED-ENV-VALUE") == std::string::npos);
    CHECK(text.find("debug") != std::string::npos);
    // Where the credentials file is (velero's pods in the sbctl corpus) is no secret.
    CHECK(text.find("/credentials/cloud") != std::string::npos);
    CHECK_FALSE(p["metadata"].contains("managedFields"));
    CHECK(redactor.masked_count() >= 1);
  }

  TEST_CASE("sanitize masks env values inside last-applied-configuration, keeping it JSON") {
    kmg::Redactor redactor(true);
    json inner = json::parse(R"({"kind":"Deployment","spec":{"template":{"spec":{"containers":[
      {"name":"c","env":[{"name":"API_PASSWORD","value":"PLANTED-APPLIED"},
      {"name":"MODE","value":"fast"}]}]}}}})");
    json d = {
        {"kind", "Deployment"},
        {"metadata",
         {{"name", "d"},
          {"annotations", {{"kubectl.kubernetes.io/last-applied-configuration", inner.dump()}}}}}};
    kmg::collectors::sanitize_object(d, redactor);
    const std::string applied =
        d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"];
    CHECK(applied.find("PLANTED-APPLIED") == std::string::npos);
    const auto reparsed = json::parse(applied);
    CHECK(reparsed["spec"]["template"]["spec"]["containers"][0]["env"][1]["value"] == "fast");

    // A Secret applied with kubectl keeps no data in a non-Secret's view of it either.
    json secret_inner = {{"kind", "Secret"}, {"data", {{"k", "UExBTlRFRC1CNjQ="}}}};
    json holder = {
        {"kind", "SealedThing"},
        {"metadata",
         {{"annotations",
           {{"kubectl.kubernetes.io/last-applied-configuration", secret_inner.dump()}}}}}};
    kmg::collectors::sanitize_object(holder, redactor);
    CHECK(holder.dump().find("UExBTlRFRC1CNjQ=") == std::string::npos);
  }
}
