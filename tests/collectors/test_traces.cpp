#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bundle/layout.h"
#include "collectors/traces.h"
#include "tests/gather/collector_fixture.h"
#include "util/text.h"
#include "util/timestamps.h"

using kmg::testing::CollectorFixture;
using nlohmann::json;
namespace layout = kmg::bundle::layout;

namespace {

constexpr std::int64_t kNow = 1770200100LL * 1'000'000'000;  // 2026-02-04T10:15:00Z
const std::string kProxy = "/api/v1/namespaces/observability/services/jaeger-query:16686/proxy";

json service(const std::string& ns, const std::string& name, json ports,
             json selector = json::object()) {
  return {{"metadata", {{"namespace", ns}, {"name", name}}},
          {"spec", {{"ports", std::move(ports)}, {"selector", std::move(selector)}}}};
}

void serve_services(CollectorFixture& f, const json& items) {
  f.api.set("/api/v1/services?limit=500",
            json{{"kind", "ServiceList"}, {"metadata", json::object()}, {"items", items}}.dump());
}

void serve_one_jaeger(CollectorFixture& f) {
  serve_services(f, json::array({service("default", "kubernetes", json::parse(R"([{"port":443}])")),
                                 service("observability", "jaeger-query",
                                         json::parse(R"([{"name":"http-query","port":16686}])"),
                                         {{"app", "jaeger"}})}));
}

std::string v3_traces_path(const std::string& svc, std::int64_t lookback_s, int limit) {
  return kProxy + "/api/v3/traces?query.service_name=" + svc + "&query.start_time_min=" +
         kmg::url_encode(kmg::format_rfc3339(kNow - lookback_s * 1'000'000'000)) +
         "&query.start_time_max=" + kmg::url_encode(kmg::format_rfc3339(kNow)) +
         "&query.num_traces=" + std::to_string(limit);
}

std::string v3_traces_since(const std::string& svc, std::int64_t start_ns, int limit) {
  return kProxy + "/api/v3/traces?query.service_name=" + svc +
         "&query.start_time_min=" + kmg::url_encode(kmg::format_rfc3339(start_ns)) +
         "&query.start_time_max=" + kmg::url_encode(kmg::format_rfc3339(kNow)) +
         "&query.num_traces=" + std::to_string(limit);
}

json node_created(const std::string& name, const std::string& created) {
  json node = {{"metadata", {{"name", name}}}};
  if (!created.empty()) node["metadata"]["creationTimestamp"] = created;
  return node;
}

bool requested(const CollectorFixture& f, const std::string& path) {
  const auto paths = f.api.requests();
  return std::find(paths.begin(), paths.end(), path) != paths.end();
}

std::string classic_traces_path(const std::string& base, const std::string& svc,
                                std::int64_t lookback_s, int limit) {
  return base + "/api/traces?service=" + svc +
         "&start=" + std::to_string((kNow - lookback_s * 1'000'000'000) / 1000) +
         "&end=" + std::to_string(kNow / 1000) + "&limit=" + std::to_string(limit);
}

// A frontend -> redis trace as Jaeger's v3 gateway answers it: hex ids, integer kind and
// status code, nanosecond times as strings. The redis span failed.
const char* const kOtlpAnswer = R"({"result":{"resourceSpans":[
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}},
                            {"key":"host.name","value":{"stringValue":"node-1"}}]},
  "scopeSpans":[{"scope":{"name":"hotrod","version":"1.0"},"spans":[
   {"traceId":"5b8aa5a2d2c872e8321cf37308d69df2","spanId":"051581bf3cb55c13","name":"HTTP GET /dispatch",
    "kind":2,"startTimeUnixNano":"1770200000000000000","endTimeUnixNano":"1770200000250000000",
    "attributes":[{"key":"http.status_code","value":{"intValue":"500"}},
                  {"key":"big","value":{"intValue":"9223372036854775807"}}],
    "status":{}}]}]},
 {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"redis"}}]},
  "scopeSpans":[{"scope":{},"spans":[
   {"traceId":"5b8aa5a2d2c872e8321cf37308d69df2","spanId":"7a3d3e2c1b0f9e8d",
    "parentSpanId":"051581bf3cb55c13","name":"GetDriver","kind":3,
    "startTimeUnixNano":"1770200000100000000","endTimeUnixNano":"1770200000180000000",
    "events":[{"timeUnixNano":"1770200000170000000","name":"exception",
               "attributes":[{"key":"exception.message","value":{"stringValue":"redis timeout"}}]}],
    "status":{"code":2,"message":"redis timeout"}}]}]}]}})";

const json* find_tag(const json& span, const std::string& key) {
  for (const auto& tag : span["tags"]) {
    if (tag["key"] == key) return &tag;
  }
  return nullptr;
}

// A tag's field, or null when the span has no such tag.
json tag_field(const json& span, const std::string& key, const char* field) {
  const json* tag = find_tag(span, key);
  return tag == nullptr ? json() : (*tag)[field];
}

std::set<std::string> keys(const json& obj) {
  std::set<std::string> out;
  for (const auto& [k, v] : obj.items()) out.insert(k);
  return out;
}

std::vector<std::string> strings(const json& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& s : v) out.push_back(s.is_string() ? s.get<std::string>() : s.dump());
  }
  return out;
}

json cluster_record(const CollectorFixture& f) {
  const json m = f.manifest.to_json();
  if (!m.contains("clusters") || !m["clusters"].contains(f.target.name)) return json::object();
  return m["clusters"][f.target.name];
}

json hotrod_trace_c() {
  return json::parse(kmg::testing::read_file(
      kmg::testing::shared_dir() + "/corpus/flamegraph-renderer-example/src/TestTraceC.json"));
}

int error_spans(const json& trace) {
  int n = 0;
  for (const auto& span : trace["spans"]) {
    const json* tag = find_tag(span, "error");
    if (tag != nullptr && (*tag)["value"] == true) ++n;
  }
  return n;
}

// A loopback port nothing listens on: bound once to learn a free number, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_SUITE("collectors.traces") {
  TEST_CASE("v3 API: OTLP traces are written in the Jaeger UI shape with the error span kept") {
    CollectorFixture f;
    serve_one_jaeger(f);
    f.api.set(kProxy + "/api/v3/services", R"({"services":["frontend"]})");
    // No Node in the snapshot gives no creation time: the window is the last hour.
    f.api.set(v3_traces_path("frontend", 3600, f.options.trace_limit), kOtlpAnswer);
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);

    const auto relpath =
        layout::traces_json(f.target.name, "observability.jaeger-query", "frontend");
    REQUIRE(f.exists(relpath));
    const json file = json::parse(f.file(relpath));
    REQUIRE(file["data"].size() == 1);
    const json& trace = file["data"][0];
    CHECK(trace["traceID"] == "5b8aa5a2d2c872e8321cf37308d69df2");
    REQUIRE(trace["spans"].size() == 2);
    CHECK(trace["processes"].size() == 2);

    const json& root = trace["spans"][0];
    CHECK(root["operationName"] == "HTTP GET /dispatch");
    CHECK(root["startTime"] == 1770200000000000LL);
    CHECK(root["duration"] == 250000);
    CHECK(root["references"].empty());
    CHECK(tag_field(root, "span.kind", "value") == "server");
    CHECK(tag_field(root, "http.status_code", "value") == 500);
    CHECK(tag_field(root, "big", "value") == "9223372036854775807");
    CHECK(tag_field(root, "otel.scope.name", "value") == "hotrod");
    CHECK(find_tag(root, "error") == nullptr);
    const json& root_process = trace["processes"][root["processID"].get<std::string>()];
    CHECK(root_process["serviceName"] == "frontend");
    CHECK(root_process["tags"].size() == 1);  // host.name; service.name is the serviceName
    CHECK(root_process["tags"][0]["key"] == "host.name");

    const json& failed = trace["spans"][1];
    CHECK(error_spans(trace) == 1);
    CHECK(tag_field(failed, "error", "type") == "bool");
    CHECK(tag_field(failed, "otel.status_code", "value") == "ERROR");
    CHECK(tag_field(failed, "otel.status_description", "value") == "redis timeout");
    CHECK(tag_field(failed, "span.kind", "value") == "client");
    REQUIRE(failed["references"].size() == 1);
    CHECK(failed["references"][0]["refType"] == "CHILD_OF");
    CHECK(failed["references"][0]["spanID"] == "051581bf3cb55c13");
    REQUIRE(failed["logs"].size() == 1);
    CHECK(failed["logs"][0]["timestamp"] == 1770200000170000LL);
    CHECK(failed["logs"][0]["fields"][0]["value"] == "exception");
    CHECK(trace["processes"][failed["processID"].get<std::string>()]["serviceName"] == "redis");

    // The same keys as a trace the classic API gives (a real HotROD capture), bar "flags".
    std::set<std::string> classic_keys = keys(hotrod_trace_c()["data"][0]["spans"][0]);
    classic_keys.erase("flags");
    CHECK(keys(failed) == classic_keys);
    CHECK(keys(trace) == keys(hotrod_trace_c()["data"][0]));
    CHECK(cluster_record(f).value("failures", json::array()).empty());
  }

  TEST_CASE("without --trace-lookback the window starts at the oldest Node's creation") {
    CollectorFixture f;
    REQUIRE(f.options.trace_lookback_seconds == 0);  // the default: the cluster's lifetime
    // A Kind cluster created 2h15m before "now": the control plane first, a worker 26s later.
    const std::string created = "2026-02-04T08:00:12Z";
    f.snapshot.nodes =
        json::array({node_created("kind-worker", "2026-02-04T08:00:38Z"),
                     node_created("kind-control-plane", created), node_created("odd-node", "")});
    serve_one_jaeger(f);
    f.api.set(kProxy + "/api/v3/services", R"({"services":["frontend"]})");
    const std::string path =
        v3_traces_since("frontend", *kmg::parse_rfc3339(created), f.options.trace_limit);
    f.api.set(path, kOtlpAnswer);
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);

    CHECK(requested(f, path));
    // The trace is 100 s old: inside the last hour too, but the hour is not what was asked.
    CHECK_FALSE(requested(f, v3_traces_path("frontend", 3600, f.options.trace_limit)));
    const auto relpath =
        layout::traces_json(f.target.name, "observability.jaeger-query", "frontend");
    REQUIRE(f.exists(relpath));
    CHECK(json::parse(f.file(relpath))["data"].size() == 1);
  }

  TEST_CASE("an explicit --trace-lookback wins over the cluster's creation time") {
    CollectorFixture f;
    f.options.trace_lookback_seconds = 600;
    f.snapshot.nodes = json::array({node_created("kind-control-plane", "2026-02-04T08:00:12Z")});
    serve_one_jaeger(f);
    f.api.set(kProxy + "/api/v3/services", R"({"services":["frontend"]})");
    f.api.set(v3_traces_path("frontend", 600, f.options.trace_limit), kOtlpAnswer);
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);
    CHECK(requested(f, v3_traces_path("frontend", 600, f.options.trace_limit)));
    CHECK_FALSE(
        requested(f, v3_traces_since("frontend", *kmg::parse_rfc3339("2026-02-04T08:00:12Z"), 20)));
  }

  TEST_CASE("no usable Node creation time: the last hour") {
    // Nodes without a creation time, or created after "now" (a host clock behind the node's).
    for (const char* created : {"", "not a time", "2026-02-04T11:00:00Z"}) {
      CollectorFixture f;
      f.snapshot.nodes = json::array({node_created("kind-control-plane", created)});
      serve_one_jaeger(f);
      f.api.set(kProxy + "/api/v3/services", R"({"services":["frontend"]})");
      auto ctx = f.context();
      kmg::collectors::collect_traces_at(ctx, kNow);
      INFO("creationTimestamp: ", created);
      CHECK(requested(f, v3_traces_path("frontend", 3600, f.options.trace_limit)));
    }
  }

  TEST_CASE("classic API when v3 is missing: a real trace passes through with its error spans") {
    CollectorFixture f;
    serve_one_jaeger(f);
    // No v3 route: the memory API answers 404 as a Jaeger before v3 does.
    f.api.set(kProxy + "/api/services", R"({"data":["frontend"],"total":1})");
    const json hotrod = hotrod_trace_c();
    f.api.set(classic_traces_path(kProxy, "frontend", 3600, 20), hotrod.dump());
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);

    const auto relpath =
        layout::traces_json(f.target.name, "observability.jaeger-query", "frontend");
    REQUIRE(f.exists(relpath));
    const json file = json::parse(f.file(relpath));
    CHECK(keys(file) == std::set<std::string>{"data"});
    REQUIRE(file["data"].size() == 1);
    CHECK(file["data"][0]["spans"].size() == 50);
    CHECK(error_spans(file["data"][0]) == 2);
    CHECK(file["data"][0]["processes"].size() == 6);
    // The missing v3 API is expected of an older Jaeger, not a failure.
    CHECK(cluster_record(f).value("failures", json::array()).empty());
  }

  TEST_CASE("no Jaeger query service: a note, and no request through a proxy") {
    CollectorFixture f;
    serve_services(
        f, json::array({service("default", "kubernetes", json::parse(R"([{"port":443}])"))}));
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);
    const auto notes = strings(cluster_record(f)["notes"]);
    CHECK(std::find(notes.begin(), notes.end(), "no Jaeger query service found") != notes.end());
    for (const auto& path : f.api.requests()) CHECK(path.find("/proxy") == std::string::npos);
  }

  TEST_CASE(
      "a Jaeger found by name (its HTTP port, not gRPC) or port name; two Services for one Jaeger "
      "asked once") {
    CollectorFixture f;
    serve_services(
        f, json::array(
               {service("tracing", "jaeger-query",
                        json::parse(R"([{"name":"grpc","port":16685},{"name":"ui","port":80}])"),
                        {{"app", "j"}}),
                service("tracing", "jaeger-query-clusterip",
                        json::parse(R"([{"name":"grpc","port":16685},{"name":"ui","port":80}])"),
                        {{"app", "j"}}),
                service("other", "tempo", json::parse(R"([{"name":"query-http","port":3200}])"))}));
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);
    std::set<std::string> asked;
    for (const auto& path : f.api.requests()) {
      if (path.ends_with("/api/services")) asked.insert(path);
    }
    CHECK(asked == std::set<std::string>{
                       "/api/v1/namespaces/tracing/services/jaeger-query:80/proxy/api/services",
                       "/api/v1/namespaces/other/services/tempo:3200/proxy/api/services"});
  }

  TEST_CASE("a Jaeger without endpoints: the 503 is recorded and nothing is written") {
    CollectorFixture f;
    serve_one_jaeger(f);
    const std::string unavailable =
        R"({"kind":"Status","status":"Failure","message":"no endpoints available for service \"jaeger-query\"","reason":"ServiceUnavailable","code":503})";
    f.api.set(kProxy + "/api/v3/services", unavailable, 503);
    f.api.set(kProxy + "/api/services", unavailable, 503);
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);
    const json failures = cluster_record(f).value("failures", json::array());
    REQUIRE(failures.size() == 2);
    for (const auto& failure : failures) {
      CHECK(failure["status"] == 503);
      CHECK(failure["collector"] == "traces");
      CHECK(failure["path"].get<std::string>().starts_with(kProxy));
    }
    CHECK_FALSE(f.exists(layout::cluster_dir(f.target.name) + "/traces"));
  }

  TEST_CASE("v3 search without matches (404 No traces found) is an empty result, not a failure") {
    CollectorFixture f;
    serve_one_jaeger(f);
    f.api.set(kProxy + "/api/v3/services", R"({"services":["quiet"]})");
    f.api.set(v3_traces_path("quiet", 3600, 20),
              R"({"error":{"httpCode":404,"message":"No traces found"}})", 404);
    auto ctx = f.context();
    kmg::collectors::collect_traces_at(ctx, kNow);
    const auto relpath = layout::traces_json(f.target.name, "observability.jaeger-query", "quiet");
    REQUIRE(f.exists(relpath));
    CHECK(json::parse(f.file(relpath)) == json{{"data", json::array()}});
    CHECK(cluster_record(f).value("failures", json::array()).empty());
  }

  TEST_CASE("--jaeger-url: a Jaeger outside the cluster over plain HTTP (loopback)") {
    httplib::Server server;
    const json hotrod = hotrod_trace_c();
    std::string traces_query;
    server.Get("/jaeger/api/services", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"data":["frontend"]})", "application/json");
    });
    server.Get("/jaeger/api/traces", [&](const httplib::Request& req, httplib::Response& res) {
      traces_query = req.get_param_value("service") + "|" + req.get_param_value("start") + "|" +
                     req.get_param_value("end") + "|" + req.get_param_value("limit");
      res.set_content(hotrod.dump(), "application/json");
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread thread([&] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    CollectorFixture f;
    f.options.jaeger_url = "http://127.0.0.1:" + std::to_string(port) + "/jaeger/";
    f.options.trace_lookback_seconds = 600;
    f.options.trace_limit = 5;
    kmg::collectors::ClusterContext ctx{f.target,   nullptr, f.writer,  f.manifest, f.redactor,
                                        f.deadline, f.pool,  f.options, f.snapshot};
    kmg::collectors::collect_traces_at(ctx, kNow);
    server.stop();
    thread.join();

    CHECK(traces_query == "frontend|" + std::to_string((kNow - 600'000'000'000) / 1000) + "|" +
                              std::to_string(kNow / 1000) + "|5");
    const auto relpath = layout::traces_json(f.target.name, "external", "frontend");
    REQUIRE(f.exists(relpath));
    CHECK(error_spans(json::parse(f.file(relpath))["data"][0]) == 2);
  }

  TEST_CASE("--jaeger-url that does not answer: a transport failure is recorded") {
    const int port = closed_port();
    CollectorFixture f;
    f.options.jaeger_url = "http://127.0.0.1:" + std::to_string(port);
    kmg::collectors::ClusterContext ctx{f.target,   nullptr, f.writer,  f.manifest, f.redactor,
                                        f.deadline, f.pool,  f.options, f.snapshot};
    kmg::collectors::collect_traces_at(ctx, kNow);
    const json failures = cluster_record(f).value("failures", json::array());
    REQUIRE_FALSE(failures.empty());
    CHECK(failures.back()["status"] == 0);
    CHECK(failures.back()["path"] == "http://127.0.0.1:" + std::to_string(port) + "/api/services");
  }

  TEST_CASE("otlp_to_jaeger_traces: base64 ids, links, two traces, one process per service") {
    const json answer = json::parse(R"({"resourceSpans":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"api"}}]},"scopeSpans":[{"spans":[
      {"traceId":"AAAAAAAAAAAAAAAAAAAAAQ==","spanId":"AAAAAAAAAAI=","name":"a","kind":"SPAN_KIND_SERVER",
       "startTimeUnixNano":"2000","endTimeUnixNano":"1000",
       "links":[{"traceId":"0000000000000000000000000000000f","spanId":"0000000000000003"}],
       "status":{"code":"STATUS_CODE_ERROR"}},
      {"traceId":"00000000000000000000000000000009","spanId":"0000000000000004","name":"b",
       "attributes":[{"key":"ok","value":{"boolValue":true}},{"key":"ratio","value":{"doubleValue":0.5}},
                     {"key":"list","value":{"arrayValue":{"values":[{"stringValue":"x"}]}}}]}]}]}]})");
    const json traces = kmg::collectors::otlp_to_jaeger_traces(answer);
    REQUIRE(traces.size() == 2);
    const json& a = traces[0]["spans"][0];
    CHECK(traces[0]["traceID"] == "00000000000000000000000000000001");
    CHECK(a["spanID"] == "0000000000000002");
    CHECK(a["duration"] == 0);  // end before start never gives a negative duration
    REQUIRE(a["references"].size() == 1);
    CHECK(a["references"][0]["refType"] == "FOLLOWS_FROM");
    CHECK(tag_field(a, "span.kind", "value") == "server");
    CHECK(tag_field(a, "error", "value") == true);
    CHECK(find_tag(a, "otel.status_description") == nullptr);
    CHECK(a["processID"] == "p1");
    CHECK(traces[0]["processes"]["p1"]["serviceName"] == "api");
    const json& b = traces[1]["spans"][0];
    CHECK(tag_field(b, "ok", "value") == true);
    CHECK(tag_field(b, "ratio", "type") == "float64");
    CHECK(tag_field(b, "list", "value") == R"({"values":[{"stringValue":"x"}]})");
    CHECK(find_tag(b, "span.kind") == nullptr);
    CHECK(kmg::collectors::otlp_to_jaeger_traces(json::parse("{}")).empty());
  }
}
