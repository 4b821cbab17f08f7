#include "collectors/traces.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/common.h"
#include "discovery/cluster_target.h"
#include "kube/kube_api.h"
#include "util/deadline.h"
#include "util/redact.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::collectors {
namespace {

using nlohmann::json;

constexpr const char* kName = "traces";
constexpr long kJaegerQueryPort = 16686;
// An answer bigger than this from an outside Jaeger is cut (20 traces per service are far less).
constexpr std::size_t kMaxExternalBody = 256u << 20;

using Getter = std::function<kube::Response(const std::string& path)>;

// One Jaeger query endpoint: in the cluster through the service proxy, or outside it.
struct JaegerEndpoint {
  std::string label;  // "<ns>.<svc>" or "external": the folder under traces/
  std::string base;   // prefix of every request path, for messages
  Getter get;
};

struct Window {
  std::int64_t start_ns;
  std::int64_t end_ns;
};

// ---- OTLP JSON (v3 API) to Jaeger UI JSON ---------------------------------------------------

const json& member(const json& obj, const char* key) {
  static const json null_json;
  if (!obj.is_object()) return null_json;
  auto it = obj.find(key);
  return it == obj.end() ? null_json : *it;
}

std::string string_member(const json& obj, const char* key) {
  const json& v = member(obj, key);
  return v.is_string() ? v.get<std::string>() : "";
}

// OTLP JSON writes 64-bit integers as strings ("1700000000000000000"); accept both.
std::int64_t int_value(const json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number()) return static_cast<std::int64_t>(v.get<double>());
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    char* end = nullptr;
    const long long parsed = std::strtoll(s.c_str(), &end, 10);
    if (end != s.c_str() && *end == '\0') return parsed;
  }
  return 0;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// Jaeger's gateway writes ids in hex; plain protobuf JSON writes base64. Jaeger UI wants hex.
std::string hex_id(const std::string& id) {
  if (id.empty() || is_hex(id)) return to_lower(id);
  try {
    const std::string raw = base64_decode(id);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : raw) {
      hex += kDigits[c >> 4];
      hex += kDigits[c & 0xf];
    }
    return hex;
  } catch (const std::exception&) {
    return id;
  }
}

json key_value(const std::string& key, const json& any) {
  constexpr std::int64_t kExactInDouble = std::int64_t{1} << 53;
  if (any.contains("stringValue")) {
    return {{"key", key}, {"type", "string"}, {"value", string_member(any, "stringValue")}};
  }
  if (any.contains("boolValue")) {
    const json& b = any["boolValue"];
    return {{"key", key}, {"type", "bool"}, {"value", b.is_boolean() && b.get<bool>()}};
  }
  if (any.contains("intValue")) {
    const std::int64_t v = int_value(any["intValue"]);
    // Like Jaeger's UI JSON: integers a JavaScript number cannot hold exactly stay strings.
    json value = (v > -kExactInDouble && v < kExactInDouble) ? json(v) : json(std::to_string(v));
    return {{"key", key}, {"type", "int64"}, {"value", value}};
  }
  if (any.contains("doubleValue")) {
    const json& d = any["doubleValue"];
    json value = 0.0;
    if (d.is_number()) value = d;
    if (d.is_string()) value = std::strtod(d.get_ref<const std::string&>().c_str(), nullptr);
    return {{"key", key}, {"type", "float64"}, {"value", value}};
  }
  if (any.contains("bytesValue")) {
    return {{"key", key}, {"type", "binary"}, {"value", string_member(any, "bytesValue")}};
  }
  // Arrays and maps have no Jaeger type: keep them readable as JSON text.
  json rest = any.is_object() && !any.empty() ? any.begin().value() : json();
  return {{"key", key}, {"type", "string"}, {"value", rest.is_null() ? "" : rest.dump()}};
}

json tags_from_attributes(const json& attributes, const char* skip_key = nullptr) {
  json tags = json::array();
  if (!attributes.is_array()) return tags;
  for (const auto& attr : attributes) {
    const std::string key = string_member(attr, "key");
    if (skip_key != nullptr && key == skip_key) continue;
    tags.push_back(key_value(key, member(attr, "value")));
  }
  return tags;
}

// SpanKind and StatusCode arrive as numbers from Jaeger's gateway, as enum names elsewhere.
std::string span_kind(const json& kind) {
  static const char* const kNames[] = {"", "internal", "server", "client", "producer", "consumer"};
  if (kind.is_number_integer()) {
    const auto k = kind.get<std::int64_t>();
    return k >= 1 && k <= 5 ? kNames[k] : "";
  }
  if (kind.is_string()) {
    std::string s = to_lower(kind.get<std::string>());
    if (s.starts_with("span_kind_")) s = s.substr(10);
    return s == "unspecified" ? "" : s;
  }
  return "";
}

std::string status_code(const json& code) {
  if (code.is_number_integer()) {
    const auto c = code.get<std::int64_t>();
    return c == 1 ? "OK" : c == 2 ? "ERROR" : "";
  }
  if (code.is_string()) {
    const std::string s = code.get<std::string>();
    if (s == "STATUS_CODE_OK" || s == "OK") return "OK";
    if (s == "STATUS_CODE_ERROR" || s == "ERROR") return "ERROR";
  }
  return "";
}

json convert_span(const json& span, const std::string& trace_id, const std::string& process_id,
                  const json& scope) {
  json references = json::array();
  const std::string parent = hex_id(string_member(span, "parentSpanId"));
  if (!parent.empty()) {
    references.push_back({{"refType", "CHILD_OF"}, {"traceID", trace_id}, {"spanID", parent}});
  }
  if (member(span, "links").is_array()) {
    for (const auto& link : span["links"]) {
      references.push_back({{"refType", "FOLLOWS_FROM"},
                            {"traceID", hex_id(string_member(link, "traceId"))},
                            {"spanID", hex_id(string_member(link, "spanId"))}});
    }
  }

  json tags = tags_from_attributes(member(span, "attributes"));
  const std::string scope_name = string_member(scope, "name");
  const std::string scope_version = string_member(scope, "version");
  if (!scope_name.empty())
    tags.push_back(key_value("otel.scope.name", {{"stringValue", scope_name}}));
  if (!scope_version.empty()) {
    tags.push_back(key_value("otel.scope.version", {{"stringValue", scope_version}}));
  }
  const std::string kind = span_kind(member(span, "kind"));
  if (!kind.empty()) tags.push_back(key_value("span.kind", {{"stringValue", kind}}));
  const json& status = member(span, "status");
  const std::string code = status_code(member(status, "code"));
  if (!code.empty()) tags.push_back(key_value("otel.status_code", {{"stringValue", code}}));
  if (code == "ERROR") {
    tags.push_back(key_value("error", {{"boolValue", true}}));
    const std::string message = string_member(status, "message");
    if (!message.empty()) {
      tags.push_back(key_value("otel.status_description", {{"stringValue", message}}));
    }
  }

  json logs = json::array();
  if (member(span, "events").is_array()) {
    for (const auto& event : span["events"]) {
      json fields = json::array();
      fields.push_back(key_value("event", {{"stringValue", string_member(event, "name")}}));
      for (auto& f : tags_from_attributes(member(event, "attributes"))) fields.push_back(f);
      logs.push_back({{"timestamp", int_value(member(event, "timeUnixNano")) / 1000},
                      {"fields", std::move(fields)}});
    }
  }

  const std::int64_t start = int_value(member(span, "startTimeUnixNano"));
  const std::int64_t end = int_value(member(span, "endTimeUnixNano"));
  return {{"traceID", trace_id},
          {"spanID", hex_id(string_member(span, "spanId"))},
          {"operationName", string_member(span, "name")},
          {"references", std::move(references)},
          {"startTime", start / 1000},
          {"duration", std::max<std::int64_t>(0, end - start) / 1000},
          {"tags", std::move(tags)},
          {"logs", std::move(logs)},
          {"processID", process_id},
          {"warnings", nullptr}};
}

// ---- requests ---------------------------------------------------------------------------------

struct Answer {
  kube::Response response;
  json body = json(json::value_t::discarded);
  bool ok() const { return response.ok() && !body.is_discarded(); }
};

Answer ask(ClusterContext& ctx, const JaegerEndpoint& jaeger, const std::string& path) {
  Answer answer;
  answer.response = jaeger.get(path);
  ctx.manifest.add_request(ctx.target.name, kName, answer.response.bytes);
  if (answer.response.ok()) answer.body = json::parse(answer.response.body, nullptr, false);
  return answer;
}

void record(ClusterContext& ctx, const JaegerEndpoint& jaeger, const std::string& path,
            const Answer& answer) {
  bundle::FailedRequest failure;
  failure.cluster = ctx.target.name;
  failure.collector = kName;
  failure.path = jaeger.base + path;
  failure.status = answer.response.status;
  failure.message = answer.response.ok() ? "response is not JSON" : answer.response.describe();
  ctx.manifest.add_failure(failure);
}

enum class JaegerApi { kV3, kClassic };

std::vector<std::string> string_array(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& s : v) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

// Which API this Jaeger speaks, and its services. v3 first: Jaeger after v2.20 removed
// /api/services; a Jaeger without v3 answers 404 (or its UI page) there, which is no failure.
std::optional<std::pair<JaegerApi, std::vector<std::string>>> list_services(
    ClusterContext& ctx, const JaegerEndpoint& jaeger) {
  const Answer v3 = ask(ctx, jaeger, "/api/v3/services");
  if (v3.ok() && member(v3.body, "services").is_array()) {
    return std::pair(JaegerApi::kV3, string_array(v3.body["services"]));
  }
  const Answer classic = ask(ctx, jaeger, "/api/services");
  if (classic.ok() && member(classic.body, "data").is_array()) {
    return std::pair(JaegerApi::kClassic, string_array(classic.body["data"]));
  }
  if (classic.ok() && member(classic.body, "data").is_null()) {
    return std::pair(JaegerApi::kClassic, std::vector<std::string>{});  // no services yet
  }
  // Neither answered: say why for both unless v3 merely does not exist.
  if (v3.response.status != 404) record(ctx, jaeger, "/api/v3/services", v3);
  record(ctx, jaeger, "/api/services", classic);
  return std::nullopt;
}

std::optional<json> fetch_v3(ClusterContext& ctx, const JaegerEndpoint& jaeger,
                             const std::string& service, const Window& window) {
  const std::string path = "/api/v3/traces?query.service_name=" + url_encode(service) +
                           "&query.start_time_min=" + url_encode(format_rfc3339(window.start_ns)) +
                           "&query.start_time_max=" + url_encode(format_rfc3339(window.end_ns)) +
                           "&query.num_traces=" + std::to_string(ctx.options.trace_limit);
  const Answer answer = ask(ctx, jaeger, path);
  if (answer.ok()) return otlp_to_jaeger_traces(answer.body);
  // v3 answers a search without matches with 404 "No traces found": an empty result.
  if (answer.response.status == 404 &&
      answer.response.body.find("No traces found") != std::string::npos) {
    return json::array();
  }
  record(ctx, jaeger, path, answer);
  return std::nullopt;
}

std::optional<json> fetch_classic(ClusterContext& ctx, const JaegerEndpoint& jaeger,
                                  const std::string& service, const Window& window) {
  const std::string path = "/api/traces?service=" + url_encode(service) +
                           "&start=" + std::to_string(window.start_ns / 1000) +
                           "&end=" + std::to_string(window.end_ns / 1000) +
                           "&limit=" + std::to_string(ctx.options.trace_limit);
  const Answer answer = ask(ctx, jaeger, path);
  if (answer.ok() && member(answer.body, "data").is_array()) return answer.body["data"];
  if (answer.ok() && member(answer.body, "data").is_null()) return json::array();
  record(ctx, jaeger, path, answer);
  return std::nullopt;
}

// Tag values are free text from applications (URLs with passwords, headers...).
void redact_key_values(json& list, const Redactor& redactor) {
  if (!list.is_array()) return;
  for (auto& kv : list) {
    if (!kv.is_object() || !kv.contains("value") || !kv["value"].is_string()) continue;
    const std::string key = string_member(kv, "key");
    const std::string& value = kv["value"].get_ref<const std::string&>();
    if (!value.empty() && redactor.enabled() && redactor.is_sensitive_key(key)) {
      kv["value"] = std::string(Redactor::kMask);
      redactor.add_masked(1);
    } else {
      kv["value"] = redactor.redact(value);
    }
  }
}

void redact_traces(json& traces, const Redactor& redactor) {
  for (auto& trace : traces) {
    if (!trace.is_object()) continue;
    if (trace.contains("spans") && trace["spans"].is_array()) {
      for (auto& span : trace["spans"]) {
        if (!span.is_object()) continue;
        if (span.contains("tags")) redact_key_values(span["tags"], redactor);
        if (span.contains("logs") && span["logs"].is_array()) {
          for (auto& log : span["logs"]) {
            if (log.is_object() && log.contains("fields")) {
              redact_key_values(log["fields"], redactor);
            }
          }
        }
      }
    }
    if (trace.contains("processes") && trace["processes"].is_object()) {
      for (auto& [id, process] : trace["processes"].items()) {
        if (process.is_object() && process.contains("tags")) {
          redact_key_values(process["tags"], redactor);
        }
      }
    }
  }
}

void collect_from(ClusterContext& ctx, const JaegerEndpoint& jaeger, const Window& window) {
  if (ctx.deadline.expired()) return;
  const auto services = list_services(ctx, jaeger);
  if (!services) return;
  const auto& [api, names] = *services;
  if (names.empty()) {
    ctx.manifest.add_note(ctx.target.name,
                          "Jaeger " + jaeger.label + " knows no services: no traces reported yet");
    return;
  }
  TaskGroup group(ctx);
  for (const std::string& service : names) {
    group.run([&ctx, &jaeger, &window, api = api, service] {
      if (ctx.deadline.expired()) return;
      auto traces = api == JaegerApi::kV3 ? fetch_v3(ctx, jaeger, service, window)
                                          : fetch_classic(ctx, jaeger, service, window);
      if (!traces) return;
      redact_traces(*traces, ctx.redactor);
      const json file = {{"data", std::move(*traces)}};
      write_output(ctx, kName, bundle::layout::traces_json(ctx.target.name, jaeger.label, service),
                   file.dump(1));
    });
  }
  group.wait();
}

// ---- finding Jaeger ---------------------------------------------------------------------------

// The port of a Jaeger query service: 16686, or a port named like the Helm charts name it, or
// (for a service named *jaeger*query*) its first port.
std::optional<json> query_port(const json& service) {
  const json& ports = member(member(service, "spec"), "ports");
  if (!ports.is_array() || ports.empty()) return std::nullopt;
  for (const auto& p : ports) {
    if (member(p, "port").is_number_integer() && p["port"].get<long>() == kJaegerQueryPort) {
      return p;
    }
  }
  for (const auto& p : ports) {
    const std::string name = string_member(p, "name");
    if (name == "http-query" || name == "query-http") return p;
  }
  const std::string name = to_lower(str_at(service, "/metadata/name"));
  if (name.find("jaeger") == std::string::npos || name.find("query") == std::string::npos) {
    return std::nullopt;
  }
  // Named like a query service but on another port: its HTTP port, not the gRPC one (16685).
  for (const auto& p : ports) {
    const std::string port_name = to_lower(string_member(p, "name"));
    if (port_name.find("grpc") != std::string::npos) continue;
    if (port_name.find("http") != std::string::npos || port_name.find("ui") != std::string::npos ||
        port_name.find("query") != std::string::npos) {
      return p;
    }
  }
  for (const auto& p : ports) {
    const std::string port_name = to_lower(string_member(p, "name"));
    const bool grpc = port_name.find("grpc") != std::string::npos ||
                      (member(p, "port").is_number_integer() && p["port"].get<long>() == 16685);
    if (!grpc) return p;
  }
  return ports[0];
}

std::vector<JaegerEndpoint> find_in_cluster(ClusterContext& ctx) {
  std::vector<JaegerEndpoint> found;
  const auto list = fetch_list(ctx, kName, "/api/v1/services");
  if (!list) return found;
  // Charts often put two Services in front of one Jaeger (headless and ClusterIP): ask it once.
  std::set<std::string> backends;
  for (const auto& service : (*list)["items"]) {
    const auto port = query_port(service);
    if (!port || !member(*port, "port").is_number_integer()) continue;
    const std::string ns = str_at(service, "/metadata/namespace");
    const std::string name = str_at(service, "/metadata/name");
    const json& selector = member(member(service, "spec"), "selector");
    if (selector.is_object() && !selector.empty()) {
      const std::string backend =
          ns + "|" + selector.dump() + "|" + member(*port, "targetPort").dump();
      if (!backends.insert(backend).second) continue;
    }
    JaegerEndpoint jaeger;
    jaeger.label = ns + "." + name;
    jaeger.base = "/api/v1/namespaces/" + url_encode(ns) + "/services/" + url_encode(name) + ":" +
                  std::to_string((*port)["port"].get<long>()) + "/proxy";
    kube::KubeApi* api = ctx.api;
    jaeger.get = [api, base = jaeger.base](const std::string& path) {
      return api->get(base + path);
    };
    found.push_back(std::move(jaeger));
  }
  if (found.empty()) ctx.manifest.add_note(ctx.target.name, "no Jaeger query service found");
  return found;
}

// ---- a Jaeger outside the cluster -------------------------------------------------------------

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const std::size_t n = size * count;
  if (body->size() + n > kMaxExternalBody) return 0;  // aborts the transfer
  body->append(data, n);
  return n;
}

kube::Response http_get(const std::string& url, const Deadline& deadline) {
  kube::Response response;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    response.error = "cannot create a curl handle";
    return response;
  }
  char error[CURL_ERROR_SIZE] = {};
  const long timeout_ms =
      std::clamp<long>(static_cast<long>(deadline.remaining().count()), 1, 60'000);
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  response.bytes = response.body.size();
  if (rc != CURLE_OK) response.error = error[0] != '\0' ? error : curl_easy_strerror(rc);
  return response;
}

JaegerEndpoint external(const ClusterContext& ctx) {
  std::string base = ctx.options.jaeger_url;
  while (base.ends_with('/')) base.pop_back();
  JaegerEndpoint jaeger;
  jaeger.label = "external";
  jaeger.base = base;
  const Deadline* deadline = &ctx.deadline;
  jaeger.get = [base, deadline](const std::string& path) {
    return http_get(base + path, *deadline);
  };
  return jaeger;
}

}  // namespace

json otlp_to_jaeger_traces(const json& v3_answer) {
  const json& data = member(v3_answer, "result").is_object() ? v3_answer["result"] : v3_answer;
  json traces = json::array();
  std::map<std::string, std::size_t> trace_index;
  // Per trace: process key (service name + tags) -> "pN".
  std::vector<std::map<std::string, std::string>> process_ids;

  const json& resource_spans = member(data, "resourceSpans");
  if (!resource_spans.is_array()) return traces;
  for (const auto& rs : resource_spans) {
    const json& attributes = member(member(rs, "resource"), "attributes");
    std::string service_name = "OTLPResourceNoServiceName";
    if (attributes.is_array()) {
      for (const auto& attr : attributes) {
        if (string_member(attr, "key") == "service.name") {
          service_name = string_member(member(attr, "value"), "stringValue");
        }
      }
    }
    const json process = {{"serviceName", service_name},
                          {"tags", tags_from_attributes(attributes, "service.name")}};
    const std::string process_key = process.dump();

    const json& scope_spans = member(rs, "scopeSpans");
    if (!scope_spans.is_array()) continue;
    for (const auto& ss : scope_spans) {
      const json& spans = member(ss, "spans");
      if (!spans.is_array()) continue;
      for (const auto& span : spans) {
        const std::string trace_id = hex_id(string_member(span, "traceId"));
        auto [it, inserted] = trace_index.try_emplace(trace_id, traces.size());
        if (inserted) {
          traces.push_back({{"traceID", trace_id},
                            {"spans", json::array()},
                            {"processes", json::object()},
                            {"warnings", nullptr}});
          process_ids.emplace_back();
        }
        json& trace = traces[it->second];
        auto& ids = process_ids[it->second];
        auto pid = ids.find(process_key);
        if (pid == ids.end()) {
          pid = ids.emplace(process_key, "p" + std::to_string(ids.size() + 1)).first;
          trace["processes"][pid->second] = process;
        }
        trace["spans"].push_back(convert_span(span, trace_id, pid->second, member(ss, "scope")));
      }
    }
  }
  return traces;
}

namespace {

// Where the search window starts. --trace-lookback D: D before now. Without it, when the cluster
// was created (its oldest Node): a recorded or long-running cluster's traces are read however long
// ago they were made; --trace-limit still bounds how many. No Node creation time: the last hour.
std::int64_t window_start(const ClusterContext& ctx, std::int64_t now_ns) {
  constexpr std::int64_t kNanos = 1'000'000'000;
  constexpr std::int64_t kFallbackSeconds = 3600;
  if (ctx.options.trace_lookback_seconds > 0)
    return now_ns - ctx.options.trace_lookback_seconds * kNanos;
  std::optional<std::int64_t> oldest;
  for (const auto& node : ctx.snapshot.nodes) {
    const json& created = member(member(node, "metadata"), "creationTimestamp");
    if (!created.is_string()) continue;
    const auto t = parse_rfc3339(created.get<std::string>());
    if (t && (!oldest || *t < *oldest)) oldest = t;
  }
  // A creation time at or after "now" (clock skew between host and node) would search nothing.
  if (oldest && *oldest < now_ns) return *oldest;
  return now_ns - kFallbackSeconds * kNanos;
}

}  // namespace

void collect_traces_at(ClusterContext& ctx, std::int64_t now_ns) {
  const Window window{window_start(ctx, now_ns), now_ns};
  std::vector<JaegerEndpoint> endpoints;
  if (ctx.api != nullptr) endpoints = find_in_cluster(ctx);
  if (!ctx.options.jaeger_url.empty()) endpoints.push_back(external(ctx));
  for (const auto& jaeger : endpoints) collect_from(ctx, jaeger, window);
}

void collect_traces(ClusterContext& ctx) {
  // Collection, not analysis: the search window ends at the wall clock so the newest traces count.
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  collect_traces_at(ctx, now.count());
}

}  // namespace kmg::collectors
