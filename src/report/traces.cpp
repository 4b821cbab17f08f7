#include "report/traces.h"

#include <algorithm>
#include <limits>

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

struct SpanFlags {
  bool error = false;
  std::string message;
};

SpanFlags inspect_tags(const json& span) {
  SpanFlags f;
  std::string status_code;
  for (const auto& tag : span.value("tags", json::array())) {
    if (!tag.is_object()) continue;
    const std::string key = tag.value("key", "");
    const json& v = tag.contains("value") ? tag["value"] : json();
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
        if (key == "error.object" || key == "message" || key == "error") {
          f.message = tag_string(field.value("value", json()));
          if (!f.message.empty() && f.message != "true") break;
        }
      }
      if (!f.message.empty() && f.message != "true") break;
    }
    if (f.message == "true") f.message.clear();
    if (f.message.empty()) f.message = status_code;
  }
  return f;
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
    std::string service;
    const std::string pid = span.value("processID", "");
    if (processes.contains(pid)) service = processes[pid].value("serviceName", "");
    if (service.empty() && span.contains("process"))
      service = span["process"].value("serviceName", "");
    const std::int64_t start = span.value("startTime", std::int64_t{0});
    const std::int64_t dur = span.value("duration", std::int64_t{0});
    first = std::min(first, start);
    last = std::max(last, start + dur);
    ++info.spans;
    bool has_parent = false;
    for (const auto& ref : span.value("references", json::array()))
      if (ref.value("refType", "") == "CHILD_OF") has_parent = true;
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
      out.error_spans.push_back(SpanInfo{info.trace_id, span.value("spanID", ""), service,
                                         span.value("operationName", ""), flags.message,
                                         start * 1000, dur, true});
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
