// End-to-end tests of the fake-apiserver binary over HTTPS with the kubeconfig's client cert.
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "fake_apiserver_process.h"
#include "test_client.h"
#include "util/text.h"

namespace {

using kmg::testing::Client;
using kmg::testing::FakeApiserver;
using kmg::testing::FakeApiserverOptions;
using kmg::testing::read_all;
using nlohmann::json;

const std::string kMini = std::string(KMG_FAKE_APISERVER_TESTDATA) + "/mini.json";

FakeApiserver start_mini(FakeApiserverOptions o = {}) {
  o.scenarios.push_back(kMini);
  o.cluster_name = "mini";
  return FakeApiserver::start(o);
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& item : list["items"]) out.push_back(item["metadata"]["name"].get<std::string>());
  return out;
}

}  // namespace

TEST_SUITE("fake-apiserver") {
  TEST_CASE("kubeconfig, admin.conf and 401 without a client certificate") {
    auto api = start_mini();
    const std::string kc = read_all(api.kubeconfig_path());
    CHECK(kc.find("current-context: kind-mini") != std::string::npos);
    CHECK(kc.find("server: https://127.0.0.1:" + std::to_string(api.port())) != std::string::npos);
    const std::string admin = read_all(api.admin_conf_path());
    CHECK(admin.find("server: https://mini-control-plane:6443") != std::string::npos);
    CHECK(admin.find("name: kubernetes-admin") != std::string::npos);

    Client anonymous(api, true);
    auto res = anonymous.get("/api/v1/pods");
    REQUIRE(res);
    CHECK(res->status == 401);
    const auto status = json::parse(res->body);
    CHECK(status["kind"] == "Status");
    CHECK(status["reason"] == "Unauthorized");

    Client admin_client(api);
    CHECK(admin_client.get_json("/api/v1/pods")["kind"] == "PodList");
  }

  TEST_CASE("version and discovery documents") {
    FakeApiserverOptions o;
    o.server_version = "1.30";
    auto api = start_mini(o);
    Client c(api);
    const auto version = c.get_json("/version");
    CHECK(version["minor"] == "30");
    CHECK(version["gitVersion"].get<std::string>().rfind("v1.30.", 0) == 0);

    CHECK(c.get_json("/api")["versions"] == json::array({"v1"}));
    const auto core = c.get_json("/api/v1");
    CHECK(core["kind"] == "APIResourceList");
    CHECK(core["groupVersion"] == "v1");
    bool pods = false, pods_log = false, svc_proxy = false;
    for (const auto& r : core["resources"]) {
      if (r["name"] == "pods") {
        pods = true;
        CHECK(r["singularName"] == "pod");
        CHECK(r["namespaced"] == true);
        CHECK(r["kind"] == "Pod");
        CHECK(r["shortNames"] == json::array({"po"}));
        CHECK(r["categories"] == json::array({"all"}));
        CHECK(r["verbs"].size() == 8);
      }
      if (r["name"] == "pods/log") pods_log = r["verbs"] == json::array({"get"});
      if (r["name"] == "services/proxy") svc_proxy = true;
    }
    CHECK(pods);
    CHECK(pods_log);
    CHECK(svc_proxy);

    const auto groups = c.get_json("/apis");
    json example;
    for (const auto& g : groups["groups"]) {
      if (g["name"] == "example.com") example = g;
    }
    REQUIRE(example.is_object());
    CHECK(example["versions"].size() == 2);
    CHECK(example["preferredVersion"]["version"] == "v1");
    const auto widgets = c.get_json("/apis/example.com/v1beta1");
    CHECK(widgets["resources"][0]["name"] == "widgets");
    CHECK(widgets["resources"][0]["shortNames"] == json::array({"wd"}));
    const auto apps = c.get_json("/apis/apps/v1");
    CHECK(apps["resources"].dump().find("\"deployments/scale\"") != std::string::npos);
    c.get_json("/apis/nope.example/v1", 404);
  }

  TEST_CASE("lists: envelopes, namespaces, CR versions, 404 details") {
    auto api = start_mini();
    Client c(api);
    const auto all = c.get_json("/api/v1/pods");
    CHECK(all["apiVersion"] == "v1");
    CHECK(names(all) == std::vector<std::string>{"api-0", "puller", "web-1"});
    CHECK_FALSE(all["items"][0].contains("kind"));
    CHECK_FALSE(all["metadata"]["resourceVersion"].get<std::string>().empty());
    CHECK(c.get_json("/api/v1/namespaces/observability/pods")["items"].empty());

    const auto widgets = c.get_json("/apis/example.com/v1beta1/widgets");
    CHECK(widgets["kind"] == "WidgetList");
    REQUIRE(widgets["items"].size() == 3);
    CHECK(widgets["items"][0]["apiVersion"] == "example.com/v1beta1");
    CHECK(widgets["items"][0]["kind"] == "Widget");

    const auto one = c.get_json("/api/v1/namespaces/shop/pods/web-1");
    CHECK(one["kind"] == "Pod");
    CHECK(one["apiVersion"] == "v1");
    const auto missing = c.get_json("/api/v1/namespaces/shop/pods/nope", 404);
    CHECK(missing["message"] == "pods \"nope\" not found");
    CHECK(missing["details"] == json({{"name", "nope"}, {"kind", "pods"}}));
    const auto dep = c.get_json("/apis/apps/v1/namespaces/shop/deployments/x", 404);
    CHECK(dep["message"] == "deployments.apps \"x\" not found");
    CHECK(dep["details"]["group"] == "apps");
    c.get_json("/api/v1/namespaces/shop/nodes", 404);
  }

  TEST_CASE("paging with limit and continue, resourceVersion conflict") {
    auto api = start_mini();
    Client c(api);
    std::vector<std::string> seen;
    auto page = c.get_json("/apis/example.com/v1/widgets?limit=1");
    CHECK(page["metadata"]["remainingItemCount"] == 2);
    int pages = 1;
    for (auto n : names(page)) seen.push_back(n);
    while (page["metadata"].contains("continue")) {
      const std::string token = page["metadata"]["continue"];
      // The token is opaque base64url JSON like the real one.
      auto decoded = token;
      for (auto& ch : decoded) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
      while (decoded.size() % 4) decoded += '=';
      CHECK(json::parse(kmg::base64_decode(decoded))["v"] == "meta.k8s.io/v1");
      page = c.get_json("/apis/example.com/v1/widgets?limit=1&continue=" + kmg::url_encode(token));
      for (auto n : names(page)) seen.push_back(n);
      ++pages;
    }
    CHECK(pages == 3);
    CHECK(seen == std::vector<std::string>{"plain-c", "blue-a", "red-b"});

    const auto first = c.get_json("/api/v1/pods?limit=2");
    const auto bad =
        c.get_json("/api/v1/pods?limit=2&resourceVersion=5&continue=" +
                       kmg::url_encode(first["metadata"]["continue"].get<std::string>()),
                   400);
    CHECK(bad["message"] == "specifying resource version is not allowed when using continue");
  }

  TEST_CASE("--expire-continue answers 410 Expired with a fresh token") {
    FakeApiserverOptions o;
    o.expire_continue = true;
    auto api = start_mini(o);
    Client c(api);
    const auto first = c.get_json("/api/v1/pods?limit=1");
    const std::string token = first["metadata"]["continue"];
    const auto expired = c.get_json("/api/v1/pods?limit=1&continue=" + kmg::url_encode(token), 410);
    CHECK(expired["reason"] == "Expired");
    CHECK(expired["message"].get<std::string>().rfind(
              "The provided continue parameter is too old to display a consistent list result.",
              0) == 0);
    const std::string fresh = expired["metadata"]["continue"];
    const auto rest = c.get_json("/api/v1/pods?limit=10&continue=" + kmg::url_encode(fresh));
    CHECK(names(rest) == std::vector<std::string>{"puller", "web-1"});
  }

  TEST_CASE("label and field selectors") {
    auto api = start_mini();
    Client c(api);
    auto widgets = [&](const std::string& sel) {
      return names(
          c.get_json("/apis/example.com/v1/widgets?labelSelector=" + kmg::url_encode(sel)));
    };
    CHECK(widgets("color=red") == std::vector<std::string>{"red-b"});
    CHECK(widgets("color==blue") == std::vector<std::string>{"blue-a"});
    CHECK(widgets("color!=red") == std::vector<std::string>{"plain-c", "blue-a"});
    CHECK(widgets("color in (red,green)") == std::vector<std::string>{"red-b"});
    CHECK(widgets("color notin (red)") == std::vector<std::string>{"plain-c", "blue-a"});
    CHECK(widgets("env") == std::vector<std::string>{"blue-a"});
    CHECK(widgets("!color") == std::vector<std::string>{"plain-c"});
    CHECK(widgets("color,env=prod") == std::vector<std::string>{"blue-a"});

    auto events = [&](const std::string& ns, const std::string& sel) {
      std::vector<std::string> reasons;
      const json list = c.get_json(ns + "events?fieldSelector=" + kmg::url_encode(sel));
      for (const auto& e : list["items"]) {
        reasons.push_back(e["reason"].get<std::string>());
      }
      return reasons;
    };
    // kubectl describe's selector, in an unusual key order.
    CHECK(
        events("/api/v1/namespaces/shop/",
               "involvedObject.uid=7b1f7c2e-1111-4a3b-9a55-0000000000a1,involvedObject.name=web-1,"
               "involvedObject.namespace=shop") == std::vector<std::string>{"Started", "BackOff"});
    CHECK(events("/api/v1/", "type=Warning,reason!=BackOff") ==
          std::vector<std::string>{"ErrImageNeverPull"});
    CHECK(events("/api/v1/", "source=kubelet,involvedObject.fieldPath=spec.containers{main}") ==
          std::vector<std::string>{"ErrImageNeverPull"});
    const auto v1 = c.get_json("/apis/events.k8s.io/v1/events?fieldSelector=" +
                               kmg::url_encode("regarding.name=puller"));
    REQUIRE(v1["items"].size() == 1);
    CHECK(v1["items"][0]["note"] ==
          "Container image \"app:dev\" is not present with pull policy of Never");
    CHECK(v1["items"][0]["deprecatedCount"] == 5);
    CHECK(v1["items"][0]["deprecatedSource"]["component"] == "kubelet");

    CHECK(names(c.get_json("/api/v1/pods?fieldSelector=status.phase%3DPending")) ==
          std::vector<std::string>{"puller"});
    CHECK(names(c.get_json(
              "/api/v1/"
              "pods?fieldSelector=spec.nodeName%3Dmini-control-plane,metadata.name%3Dapi-0")) ==
          std::vector<std::string>{"api-0"});
    const auto bad = c.get_json("/api/v1/pods?fieldSelector=spec.image%3Dx", 400);
    CHECK(bad["reason"] == "BadRequest");
    CHECK(bad["message"] == "field label not supported: spec.image");
    c.get_json("/api/v1/events?fieldSelector=involvedObject.color%3Dx", 400);
  }

  TEST_CASE("Table output for pods, CRDs and custom resources") {
    auto api = start_mini();
    Client c(api);
    const std::string accept =
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/"
        "json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    const auto table = c.get_json("/api/v1/namespaces/shop/pods?limit=500", 200, accept);
    CHECK(table["kind"] == "Table");
    CHECK(table["apiVersion"] == "meta.k8s.io/v1");
    std::vector<std::string> cols;
    for (const auto& col : table["columnDefinitions"]) cols.push_back(col["name"]);
    CHECK(cols == std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP",
                                           "Node", "Nominated Node", "Readiness Gates"});
    std::map<std::string, json> rows;
    for (const auto& row : table["rows"]) rows[row["cells"][0]] = row;
    CHECK(rows["web-1"]["cells"][1] == "1/2");
    CHECK(rows["web-1"]["cells"][2] == "CrashLoopBackOff");
    CHECK(rows["web-1"]["cells"][3].get<std::string>().rfind("3 (", 0) == 0);
    CHECK(rows["web-1"]["cells"][5] == "10.244.0.7");
    CHECK(rows["puller"]["cells"][2] == "ErrImageNeverPull");
    CHECK(rows["api-0"]["cells"][2] == "Running");
    CHECK(rows["api-0"]["object"]["kind"] == "PartialObjectMetadata");
    CHECK(rows["api-0"]["object"]["metadata"]["namespace"] == "shop");

    const auto crds =
        c.get_json("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", 200, accept);
    CHECK(crds["columnDefinitions"][1]["name"] == "Created At");
    CHECK(crds["rows"][0]["cells"][0] == "widgets.example.com");

    const auto widgets = c.get_json("/apis/example.com/v1/namespaces/shop/widgets", 200, accept);
    CHECK(widgets["columnDefinitions"][1]["name"] == "Phase");
    CHECK(widgets["rows"][1]["cells"][1] == "Degraded");
  }

  TEST_CASE("APIServices: discovery, list, get and kube-aggregator's Table") {
    auto api = start_mini();
    Client c(api);
    const auto discovery = c.get_json("/apis/apiregistration.k8s.io/v1");
    json resource;
    for (const auto& r : discovery["resources"])
      if (r["name"] == "apiservices") resource = r;
    REQUIRE(resource.is_object());
    CHECK(resource["kind"] == "APIService");
    CHECK(resource["namespaced"] == false);
    CHECK(resource["categories"] == json::array({"api-extensions"}));
    CHECK(discovery["resources"].dump().find("\"apiservices/status\"") != std::string::npos);

    const auto list = c.get_json("/apis/apiregistration.k8s.io/v1/apiservices");
    CHECK(list["kind"] == "APIServiceList");
    CHECK(names(list) == std::vector<std::string>{"v1.apps", "v1beta1.metrics.k8s.io"});
    // A local APIService keeps its explicit `service: null` (the field has no omitempty).
    CHECK(list["items"][0]["spec"].contains("service"));
    CHECK(list["items"][0]["spec"]["service"].is_null());
    const auto one =
        c.get_json("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
    CHECK(one["spec"]["service"]["name"] == "metrics-server");
    c.get_json("/apis/apiregistration.k8s.io/v1/apiservices/v1.nope", 404);

    const auto table = c.get_json("/apis/apiregistration.k8s.io/v1/apiservices", 200,
                                  "application/json;as=Table;v=v1;g=meta.k8s.io");
    std::vector<std::string> cols;
    for (const auto& col : table["columnDefinitions"]) cols.push_back(col["name"]);
    CHECK(cols == std::vector<std::string>{"Name", "Service", "Available", "Age"});
    REQUIRE(table["rows"].size() == 2);
    CHECK(table["rows"][0]["cells"][1] == "Local");
    CHECK(table["rows"][0]["cells"][2] == "True");
    CHECK(table["rows"][1]["cells"][1] == "kube-system/metrics-server");
    CHECK(table["rows"][1]["cells"][2] == "False (MissingEndpoints)");
  }

  TEST_CASE("pod logs: container choice, previous, timestamps, tail, since, limit") {
    auto api = start_mini();
    Client c(api);
    const auto choose = c.get_json("/api/v1/namespaces/shop/pods/web-1/log", 400);
    CHECK(choose["message"] ==
          "a container name must be specified for pod web-1, choose one of: [app proxy]");
    CHECK(c.get_json("/api/v1/namespaces/shop/pods/web-1/log?container=nope", 400)["message"] ==
          "container nope is not valid for pod web-1");
    CHECK(c.get_json("/api/v1/namespaces/shop/pods/api-0/log?previous=true", 400)["message"] ==
          "previous terminated container \"api\" in pod \"api-0\" not found");
    CHECK(c.get_json("/api/v1/namespaces/shop/pods/puller/log", 400)["message"] ==
          "container \"main\" in pod \"puller\" is waiting to start: ErrImageNeverPull");

    auto log = [&](const std::string& query) {
      auto res = c.get("/api/v1/namespaces/shop/pods/" + query, "*/*");
      REQUIRE(res);
      CHECK(res->status == 200);
      CHECK(res->get_header_value("Content-Type").rfind("text/plain", 0) == 0);
      return res->body;
    };
    CHECK(log("web-1/log?container=app&previous=true") ==
          "starting web 1.2\npanic: runtime error: invalid memory address or nil pointer "
          "dereference\n");
    CHECK(log("web-1/log?container=app&timestamps=true") ==
          "2026-02-04T10:15:05.000000001Z starting web 1.2\n2026-02-04T10:15:06.500000000Z "
          "connecting to db\n");
    CHECK(log("api-0/log?tailLines=2") == "line three\nline four\n");
    // Relative to the newest line (10:01:00): 10:00:30 and later.
    CHECK(log("api-0/log?sinceSeconds=30") == "line two\nline three\nline four\n");
    CHECK(log("api-0/log?limitBytes=12") == "line one\nlin");
    CHECK(log("api-0/log?sinceTime=2026-02-04T10:00:50Z&timestamps=true") ==
          "2026-02-04T10:00:50.000000000Z line three\n2026-02-04T10:01:00.000000000Z line four\n");
  }

  TEST_CASE("service proxy serves Jaeger from the scenario") {
    auto api = start_mini();
    Client c(api);
    const std::string base = "/api/v1/namespaces/observability/services/jaeger-query:16686/proxy";
    const auto services = c.get_json(base + "/api/services");
    CHECK(services["data"] == json::array({"frontend", "orders-db"}));
    CHECK(services["total"] == 2);

    const auto traces = c.get_json(
        base + "/api/traces?service=frontend&start=1770200000000000&end=1770200200000000&limit=20");
    REQUIRE(traces["data"].size() == 1);
    CHECK(traces["data"][0]["traceID"] == "4bf92f3577b34da6a3ce929d0e0e4736");
    CHECK(c.get_json(base + "/api/traces?service=frontend&start=1&end=2")["data"].empty());
    auto no_service = c.get(base + "/api/traces");
    REQUIRE(no_service);
    CHECK(no_service->status == 400);
    CHECK(no_service->body.find("parameter 'service' is required") != std::string::npos);
    CHECK(c.get_json(base + "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736")["data"][0]["spans"]
              .size() == 2);
    auto missing = c.get(base + "/api/traces/00000000000000000000000000000001");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->body.find("trace not found") != std::string::npos);

    const std::string https_base =
        "/api/v1/namespaces/observability/services/https:jaeger-query:16686/proxy";
    CHECK(c.get_json(https_base + "/api/v3/services")["services"] ==
          json::array({"frontend", "orders-db"}));
    const auto v3 =
        c.get_json(https_base + "/api/v3/traces?query.service_name=frontend&query.start_time_min=" +
                   kmg::url_encode("2026-02-04T10:00:00Z") +
                   "&query.start_time_max=" + kmg::url_encode("2026-02-04T11:00:00Z"));
    const auto& rs = v3["result"]["resourceSpans"];
    REQUIRE(rs.size() == 2);
    json root;
    for (const auto& r : rs) {
      if (r["resource"]["attributes"][0]["value"]["stringValue"] == "frontend") {
        root = r["scopeSpans"][0]["spans"][0];
      }
    }
    REQUIRE(root.is_object());
    CHECK(root["status"]["code"] == 2);
    CHECK(root["status"]["message"] == "upstream failed");
    CHECK(root["kind"] == 2);
    CHECK(root["startTimeUnixNano"] == "1770200100000000000");
    CHECK(root["events"][0]["name"] == "exception");
    const auto none =
        c.get_json(https_base + "/api/v3/traces?query.serviceName=frontend&query.startTimeMin=" +
                       kmg::url_encode("2025-01-01T00:00:00Z") +
                       "&query.startTimeMax=" + kmg::url_encode("2025-01-02T00:00:00Z"),
                   404);
    CHECK(none["error"]["message"] == "No traces found");

    const auto no_endpoints = c.get_json("/api/v1/namespaces/shop/services/plain:80/proxy/", 503);
    CHECK(no_endpoints["message"] == "no endpoints available for service \"plain\"");
    c.get_json("/api/v1/namespaces/shop/services/ghost/proxy/api/services", 404);
  }

  TEST_CASE("faults: forbid, 500s, 429 throttling") {
    FakeApiserverOptions o;
    o.forbid = {"pods", "secrets"};
    auto api = start_mini(o);
    Client c(api);
    const auto ns = c.get_json("/api/v1/namespaces/shop/pods", 403);
    CHECK(ns["reason"] == "Forbidden");
    CHECK(ns["message"] ==
          "pods is forbidden: User \"kubernetes-admin\" cannot list resource \"pods\" in API group "
          "\"\" in the namespace \"shop\"");
    CHECK(c.get_json("/api/v1/pods", 403)["message"].get<std::string>().find(
              "at the cluster scope") != std::string::npos);
    CHECK(c.get_json("/api/v1/namespaces/shop/pods/web-1", 403)["message"].get<std::string>().rfind(
              "pods \"web-1\" is forbidden: User \"kubernetes-admin\" cannot get resource", 0) ==
          0);
    c.get_json("/api/v1/events");  // other resources still work

    FakeApiserverOptions f;
    f.fault_500_rate = 1.0;
    auto broken = start_mini(f);
    Client b(broken);
    CHECK(b.get_json("/api/v1/pods", 500)["reason"] == "InternalError");
    CHECK(b.get_json("/version")["major"] == "1");  // discovery is spared

    FakeApiserverOptions t;
    t.throttle_rate = 1.0;
    t.retry_after = 7;
    auto throttled = start_mini(t);
    Client tc(throttled);
    auto res = tc.get("/api/v1/pods");
    REQUIRE(res);
    CHECK(res->status == 429);
    CHECK(res->get_header_value("Retry-After") == "7");
    CHECK(res->body.find("Too many requests, please try again later.") == 0);
  }

  TEST_CASE("faults: hanging paths and cut log streams") {
    FakeApiserverOptions o;
    o.hang_paths = {"/api/v1/namespaces/shop/pods/web-1/log"};
    o.cut_logs_after = 10;
    auto api = start_mini(o);
    Client c(api);
    c.http->set_read_timeout(1);
    auto hung = c.get("/api/v1/namespaces/shop/pods/web-1/log?container=app");
    CHECK_FALSE(hung);
    Client c2(api);
    auto cut = c2.get("/api/v1/namespaces/shop/pods/api-0/log");
    // The stream stops after 10 bytes: either a transport error or a short body.
    if (cut) {
      CHECK(cut->body.size() <= 10);
    } else {
      CHECK(cut.error() != httplib::Error::Success);
    }
    CHECK(c2.get_json("/api/v1/namespaces/shop/pods/api-0")["metadata"]["name"] == "api-0");
  }

  TEST_CASE("synthetic cluster: sizes and crash-looping pods with previous logs") {
    FakeApiserverOptions o;
    o.synthetic = "namespaces=3,pods=10,containers=2,events=4,crs=25,logbytes=3000";
    o.cluster_name = "syn";
    auto api = FakeApiserver::start(o);
    Client c(api);
    const auto pods = c.get_json("/api/v1/pods");
    CHECK(pods["items"].size() == 30);
    CHECK(c.get_json("/api/v1/events")["items"].size() == 120);
    CHECK(c.get_json("/apis/example.com/v1/widgets")["items"].size() == 25);
    CHECK(c.get_json("/api/v1/nodes")["items"].size() == 3);
    std::string crashing;
    for (const auto& p : pods["items"]) {
      const auto& st = p["status"]["containerStatuses"][0]["state"];
      if (st.contains("waiting") && st["waiting"]["reason"] == "CrashLoopBackOff") {
        crashing = p["metadata"]["namespace"].get<std::string>() + "/pods/" +
                   p["metadata"]["name"].get<std::string>();
        break;
      }
    }
    REQUIRE_FALSE(crashing.empty());
    auto prev = c.get("/api/v1/namespaces/" + crashing + "/log?container=app&previous=true", "*/*");
    REQUIRE(prev);
    CHECK(prev->status == 200);
    CHECK(prev->body.find("panic: unable to start") != std::string::npos);
    auto cur =
        c.get("/api/v1/namespaces/" + crashing + "/log?container=sidecar-1&timestamps=true", "*/*");
    REQUIRE(cur);
    CHECK(cur->body.size() >= 3000);
  }
}
