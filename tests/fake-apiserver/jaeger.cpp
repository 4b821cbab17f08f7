#include "jaeger.h"

#include <algorithm>
#include <set>

#include "util/timestamps.h"

namespace kmg::fakeapi {
namespace {

std::string param(const QueryParams& params, const std::string& a, const std::string& b = "") {
  auto it = params.find(a);
  if (it == params.end() && !b.empty()) it = params.find(b);
  return it == params.end() ? "" : it->second;
}

std::string service_of(const json& trace, const json& span) {
  const auto pid = span.value("processID", "");
  const auto& processes = trace.value("processes", json::object());
  if (processes.contains(pid)) return processes[pid].value("serviceName", "");
  return "";
}

std::string pad_trace_id(std::string id) {
  while (id.size() < 32) id = "0" + id;
  return id;
}

std::string lower_hex(std::string id) {
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (id.size() > 16 && id[0] == '0' && id.size() > 16) id.erase(0, 1);
  return id;
}

bool trace_matches(const json& trace, const std::string& service, const std::string& operation,
                   std::int64_t start_us, std::int64_t end_us) {
  for (const auto& span : trace.value("spans", json::array())) {
    if (service_of(trace, span) != service) continue;
    if (!operation.empty() && span.value("operationName", "") != operation) continue;
    const std::int64_t t = span.value("startTime", std::int64_t{0});
    if (t >= start_us && t <= end_us) return true;
  }
  return false;
}

std::set<std::string> services(const JaegerBackend& b) {
  std::set<std::string> out;
  for (const auto& t : b.traces) {
    const json processes = t.value("processes", json::object());
    for (const auto& [id, p] : processes.items()) {
      out.insert(p.value("serviceName", ""));
    }
  }
  return out;
}

std::string tag_string(const json& span, const std::string& key) {
  for (const auto& tag : span.value("tags", json::array())) {
    if (tag.value("key", "") != key) continue;
    const auto& v = tag["value"];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> operations(const JaegerBackend& b,
                                                            const std::string& service) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& t : b.traces) {
    for (const auto& span : t.value("spans", json::array())) {
      if (service_of(t, span) == service) {
        out.insert({span.value("operationName", ""), tag_string(span, "span.kind")});
      }
    }
  }
  return {out.begin(), out.end()};
}

json envelope(const json& data, int total) {
  return {{"data", data}, {"total", total}, {"limit", 0}, {"offset", 0}, {"errors", nullptr}};
}

HttpReply ui_error(int code, const std::string& msg) {
  // The UI handlers send errors through http.Error: JSON text with a text/plain Content-Type.
  json body = {{"data", nullptr},
               {"total", 0},
               {"limit", 0},
               {"offset", 0},
               {"errors", json::array({{{"code", code}, {"msg", msg}}})}};
  return {code, "text/plain; charset=utf-8", body.dump() + "\n"};
}

HttpReply v3_error(int code, const std::string& msg) {
  return {code, "application/json", json{{"error", {{"httpCode", code}, {"message", msg}}}}.dump()};
}

std::int64_t to_int(const std::string& s, std::int64_t fallback) {
  try {
    return s.empty() ? fallback : std::stoll(s);
  } catch (const std::exception&) {
    return fallback;
  }
}

json otlp_value(const json& tag) {
  const auto type = tag.value("type", "string");
  const auto& v = tag["value"];
  if (type == "bool") return {{"boolValue", v.is_boolean() ? v.get<bool>() : v == "true"}};
  if (type == "int64") return {{"intValue", v.is_string() ? v.get<std::string>() : v.dump()}};
  if (type == "float64") return {{"doubleValue", v}};
  if (type == "binary") return {{"bytesValue", v}};
  return {{"stringValue", v.is_string() ? v.get<std::string>() : v.dump()}};
}

json otlp_attributes(const json& tags, const std::set<std::string>& skip) {
  json out = json::array();
  for (const auto& tag : tags) {
    if (skip.count(tag.value("key", ""))) continue;
    out.push_back({{"key", tag.value("key", "")}, {"value", otlp_value(tag)}});
  }
  return out;
}

int span_kind(const std::string& kind) {
  if (kind == "internal") return 1;
  if (kind == "server") return 2;
  if (kind == "client") return 3;
  if (kind == "producer") return 4;
  if (kind == "consumer") return 5;
  return 0;
}

json otlp_span(const json& trace, const json& span) {
  json out;
  out["traceId"] = pad_trace_id(span.value("traceID", trace.value("traceID", "")));
  out["spanId"] = span.value("spanID", "");
  for (const auto& ref : span.value("references", json::array())) {
    if (ref.value("refType", "") == "CHILD_OF") {
      out["parentSpanId"] = ref.value("spanID", "");
      break;
    }
  }
  out["name"] = span.value("operationName", "");
  out["kind"] = span_kind(tag_string(span, "span.kind"));
  const std::int64_t start = span.value("startTime", std::int64_t{0});
  const std::int64_t duration = span.value("duration", std::int64_t{0});
  out["startTimeUnixNano"] = std::to_string(start * 1000);
  out["endTimeUnixNano"] = std::to_string((start + duration) * 1000);
  out["attributes"] = otlp_attributes(span.value("tags", json::array()),
                                      {"span.kind", "otel.status_code", "otel.status_description",
                                       "error", "otel.scope.name", "otel.scope.version"});
  json events = json::array();
  for (const auto& log : span.value("logs", json::array())) {
    json ev;
    ev["timeUnixNano"] = std::to_string(log.value("timestamp", std::int64_t{0}) * 1000);
    std::string name = "event";
    json fields = json::array();
    for (const auto& f : log.value("fields", json::array())) {
      if (f.value("key", "") == "event" && f["value"].is_string()) {
        name = f["value"].get<std::string>();
      } else {
        fields.push_back(f);
      }
    }
    ev["name"] = name;
    ev["attributes"] = otlp_attributes(fields, {});
    events.push_back(std::move(ev));
  }
  out["events"] = events;
  const auto code = tag_string(span, "otel.status_code");
  json status = json::object();
  if (code == "ERROR" || tag_string(span, "error") == "true") {
    status["code"] = 2;
    const auto desc = tag_string(span, "otel.status_description");
    if (!desc.empty()) status["message"] = desc;
  } else if (code == "OK") {
    status["code"] = 1;
  }
  out["status"] = status;
  return out;
}

}  // namespace

json ui_trace_to_otlp(const json& trace) {
  // One resourceSpans entry per process, one scopeSpans per instrumentation scope.
  json resource_spans = json::array();
  const json processes = trace.value("processes", json::object());
  for (const auto& [pid, process] : processes.items()) {
    std::map<std::pair<std::string, std::string>, json> scopes;
    for (const auto& span : trace.value("spans", json::array())) {
      if (span.value("processID", "") != pid) continue;
      const auto key = std::make_pair(tag_string(span, "otel.scope.name"),
                                      tag_string(span, "otel.scope.version"));
      scopes[key].push_back(otlp_span(trace, span));
    }
    if (scopes.empty()) continue;
    json attrs = json::array({{{"key", "service.name"},
                               {"value", {{"stringValue", process.value("serviceName", "")}}}}});
    for (auto& a : otlp_attributes(process.value("tags", json::array()), {})) attrs.push_back(a);
    json scope_spans = json::array();
    for (auto& [scope, spans] : scopes) {
      json s = {{"scope", json::object()}, {"spans", spans}};
      if (!scope.first.empty()) s["scope"]["name"] = scope.first;
      if (!scope.second.empty()) s["scope"]["version"] = scope.second;
      scope_spans.push_back(std::move(s));
    }
    resource_spans.push_back({{"resource", {{"attributes", attrs}}}, {"scopeSpans", scope_spans}});
  }
  return resource_spans;
}

HttpReply serve_jaeger(const JaegerBackend& b, const std::string& path, const QueryParams& params,
                       std::int64_t now_us) {
  // api_v3 ------------------------------------------------------------------------------------
  if (path == "/api/v3/services") {
    const auto s = services(b);
    return {200, "application/json",
            json{{"services", std::vector<std::string>(s.begin(), s.end())}}.dump()};
  }
  if (path == "/api/v3/operations") {
    const auto service = param(params, "service");
    json ops = json::array();
    for (const auto& [name, kind] : operations(b, service)) {
      ops.push_back({{"name", name}, {"spanKind", kind}});
    }
    return {200, "application/json", json{{"operations", ops}}.dump()};
  }
  if (path == "/api/v3/traces") {
    const auto service = param(params, "query.service_name", "query.serviceName");
    const auto min_text = param(params, "query.start_time_min", "query.startTimeMin");
    const auto max_text = param(params, "query.start_time_max", "query.startTimeMax");
    if (min_text.empty() || max_text.empty()) {
      return v3_error(400, "start time min and max are required");
    }
    const auto min = parse_rfc3339(min_text);
    const auto max = parse_rfc3339(max_text);
    if (!min || !max)
      return v3_error(400, "cannot parse start time: " + min_text + " / " + max_text);
    const auto operation = param(params, "query.operation_name", "query.operationName");
    json spans = json::array();
    for (const auto& t : b.traces) {
      if (trace_matches(t, service, operation, *min / 1000, *max / 1000)) {
        for (auto& rs : ui_trace_to_otlp(t)) spans.push_back(std::move(rs));
      }
    }
    if (spans.empty()) return v3_error(404, "No traces found");
    return {200, "application/json", json{{"result", {{"resourceSpans", spans}}}}.dump()};
  }
  if (path.rfind("/api/v3/traces/", 0) == 0) {
    const auto id = lower_hex(path.substr(15));
    for (const auto& t : b.traces) {
      if (lower_hex(t.value("traceID", "")) == id) {
        return {200, "application/json",
                json{{"result", {{"resourceSpans", ui_trace_to_otlp(t)}}}}.dump()};
      }
    }
    return v3_error(404, "No traces found");
  }
  // Classic UI API ------------------------------------------------------------------------------
  if (path == "/api/services") {
    const auto s = services(b);
    return {
        200, "application/json",
        envelope(std::vector<std::string>(s.begin(), s.end()), static_cast<int>(s.size())).dump()};
  }
  if (path.rfind("/api/services/", 0) == 0 && path.size() > 25 &&
      path.compare(path.size() - 11, 11, "/operations") == 0) {
    const auto service = path.substr(14, path.size() - 14 - 11);
    std::set<std::string> names;
    for (const auto& [name, kind] : operations(b, service)) names.insert(name);
    return {200, "application/json",
            envelope(std::vector<std::string>(names.begin(), names.end()),
                     static_cast<int>(names.size()))
                .dump()};
  }
  if (path == "/api/operations") {
    json ops = json::array();
    for (const auto& [name, kind] : operations(b, param(params, "service"))) {
      ops.push_back({{"name", name}, {"spanKind", kind}});
    }
    return {200, "application/json", envelope(ops, static_cast<int>(ops.size())).dump()};
  }
  if (path == "/api/traces") {
    const auto service = param(params, "service");
    if (service.empty()) return ui_error(400, "parameter 'service' is required");
    const std::int64_t end = to_int(param(params, "end"), now_us);
    const std::int64_t start = to_int(param(params, "start"), end - 2LL * 24 * 3600 * 1000000);
    const std::int64_t limit = to_int(param(params, "limit"), 100);
    json data = json::array();
    for (const auto& t : b.traces) {
      if (static_cast<std::int64_t>(data.size()) >= limit) break;
      if (trace_matches(t, service, param(params, "operation"), start, end)) data.push_back(t);
    }
    return {200, "application/json", envelope(data, static_cast<int>(data.size())).dump()};
  }
  if (path.rfind("/api/traces/", 0) == 0) {
    const auto id = lower_hex(path.substr(12));
    for (const auto& t : b.traces) {
      if (lower_hex(t.value("traceID", "")) == id) {
        return {200, "application/json", envelope(json::array({t}), 1).dump()};
      }
    }
    return ui_error(404, "trace not found");
  }
  // The Jaeger UI's SPA answers every other path with its index page.
  return {200, "text/html; charset=utf-8",
          "<!doctype html><html><head><title>Jaeger UI</title></head><body></body></html>\n"};
}

}  // namespace kmg::fakeapi
