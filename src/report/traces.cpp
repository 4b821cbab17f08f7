#include "report/traces.h"

#include <algorithm>
#include <limits>
#include <map>
#include <utility>
#include <vector>

namespace kmg::report {
namespace {

using nlohmann::json;

// Tag values arrive as bool, number or string (large int64 as strings).
std::string tag_string(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  return {};
}

long tag_number(const json& v) {
  if (v.is_number_integer()) return v.get<long>();
  if (v.is_number()) return static_cast<long>(v.get<double>());
  if (v.is_string()) {
    try {
      return std::stol(v.get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

// Tags kept for an error span: the status it ended with and the peer it called, so a finding
// can say what failed and where (OTel semantic conventions, old and new names).
constexpr const char* kKeptSpanTags[] = {"http.status_code",     "http.response.status_code",
                                         "rpc.grpc.status_code", "otel.status_code",
                                         "peer.service",         "net.peer.name",
                                         "net.peer.port",        "server.address",
                                         "server.port"};

struct SpanFlags {
  bool error = false;
  std::string message;
  std::vector<std::pair<std::string, std::string>> tags;
};

SpanFlags inspect_tags(const json& span) {
  SpanFlags f;
  std::string status_code;
  std::map<std::string, std::string> kept;
  for (const auto& tag : span.value("tags", json::array())) {
    if (!tag.is_object()) continue;
    const std::string key = tag.value("key", "");
    const json& v = tag.contains("value") ? tag["value"] : json();
    for (const char* k : kKeptSpanTags)
      if (key == k) kept[key] = tag_string(v);
    if (key == "error" && tag_string(v) == "true") f.error = true;
    if (key == "otel.status_code" && tag_string(v) == "ERROR") f.error = true;
    if ((key == "http.status_code" || key == "http.response.status_code") && tag_number(v) >= 500) {
      f.error = true;
      status_code = "HTTP " + tag_string(v);
    }
    if (key == "otel.status_description" || key == "error.message") f.message = tag_string(v);
  }
  if (f.message.empty() && f.error) {
    // Old SDKs put the error text in span logs: {"fields":[{"key":"event","value":"error"},...]}.
    for (const auto& log : span.value("logs", json::array())) {
      for (const auto& field : log.value("fields", json::array())) {
        const std::string key = field.value("key", "");
        if (key == "error.object" || key == "message" || key == "error" ||
            key == "exception.message") {
          f.message = tag_string(field.value("value", json()));
          if (!f.message.empty() && f.message != "true") break;
        }
      }
      if (!f.message.empty() && f.message != "true") break;
    }
    if (f.message == "true") f.message.clear();
    if (f.message.empty()) f.message = status_code;
  }
  for (const char* k : kKeptSpanTags) {
    auto it = kept.find(k);
    if (it != kept.end() && !it->second.empty()) f.tags.emplace_back(it->first, it->second);
  }
  return f;
}

std::string process_tag(const json& process, const char* key) {
  for (const auto& tag : process.value("tags", json::array()))
    if (tag.is_object() && tag.value("key", "") == key)
      return tag_string(tag.contains("value") ? tag["value"] : json());
  return {};
}

void add_trace(const json& trace, const std::string& source, TraceData& out) {
  if (!trace.is_object() || !trace.contains("spans") || !trace["spans"].is_array()) return;
  const json processes = trace.value("processes", json::object());
  TraceInfo info;
  info.trace_id = trace.value("traceID", "");
  info.source = source;
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  std::int64_t last = 0;
  std::int64_t root_start = std::numeric_limits<std::int64_t>::max();
  for (const auto& span : trace["spans"]) {
    if (!span.is_object()) continue;
    if (info.trace_id.empty()) info.trace_id = span.value("traceID", "");
    const std::string pid = span.value("processID", "");
    const json* process = nullptr;
    if (processes.contains(pid)) process = &processes[pid];
    if ((process == nullptr || process->value("serviceName", "").empty()) &&
        span.contains("process") && span["process"].is_object())
      process = &span["process"];
    const std::string service = process ? process->value("serviceName", "") : "";
    const std::int64_t start = span.value("startTime", std::int64_t{0});
    const std::int64_t dur = span.value("duration", std::int64_t{0});
    first = std::min(first, start);
    last = std::max(last, start + dur);
    ++info.spans;
    bool has_parent = false;
    std::string parent_span_id;
    for (const auto& ref : span.value("references", json::array())) {
      if (ref.value("refType", "") != "CHILD_OF") continue;
      has_parent = true;
      parent_span_id = ref.value("spanID", "");
    }
    if (!has_parent && start < root_start) {
      root_start = start;
      info.root_service = service;
      info.root_operation = span.value("operationName", "");
    }
    if (!service.empty()) out.services_traces[service].insert(info.trace_id);
    const SpanFlags flags = inspect_tags(span);
    if (flags.error) ++info.error_spans;
    if (flags.error &&
        out.seen_error_spans.insert({info.trace_id, span.value("spanID", "")}).second) {
      SpanInfo si;
      si.trace_id = info.trace_id;
      si.span_id = span.value("spanID", "");
      si.service = service;
      si.operation = span.value("operationName", "");
      si.message = flags.message;
      si.start = start * 1000;
      si.duration_us = dur;
      si.error = true;
      si.parent_span_id = parent_span_id;
      si.ns = process ? process_tag(*process, "k8s.namespace.name") : "";
      si.tags = flags.tags;
      out.error_spans.push_back(std::move(si));
    }
  }
  if (info.spans == 0) return;
  info.start = first * 1000;
  info.duration_us = last - first;
  auto& slot = out.traces[info.trace_id];
  // The same trace is often fetched once per service; keep the most complete copy.
  if (slot.spans < info.spans || (slot.spans == info.spans && info.source < slot.source))
    slot = info;
}

}  // namespace

void add_jaeger_traces(const json& doc, const std::string& source, TraceData& out) {
  const json* traces = nullptr;
  if (doc.is_object() && doc.contains("data") && doc["data"].is_array()) traces = &doc["data"];
  if (doc.is_array()) traces = &doc;
  if (traces == nullptr) return;
  // A bare array of spans (with an embedded "process") is one trace.
  if (!traces->empty() && (*traces)[0].is_object() && (*traces)[0].contains("spanID")) {
    add_trace(json{{"spans", *traces}}, source, out);
    return;
  }
  for (const auto& t : *traces) add_trace(t, source, out);
}

}  // namespace kmg::report
