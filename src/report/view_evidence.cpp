// Error signatures from the logs, Warning event groups, and what the traces say.
#include <cstdio>

#include "report/render.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxSignatureRows = 30;
constexpr std::size_t kMaxWarningRows = 30;
constexpr std::size_t kMaxSpanRows = 20;

std::string duration_ms(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(us) / 1000.0);
  return buf;
}

}  // namespace

void view_evidence(const Analysis& a, json& v) {
  const auto& sigs = a.signatures;
  json srows = json::array();
  for (std::size_t i = 0; i < sigs.size() && i < kMaxSignatureRows; ++i) {
    const Signature& s = *sigs[i];
    std::vector<std::string> pods_list(s.pods.begin(), s.pods.end());
    std::string pods_text = pods_list.size() > 3
                                ? join({pods_list.begin(), pods_list.begin() + 3}, ", ") + " +" +
                                      std::to_string(pods_list.size() - 3)
                                : join(pods_list, ", ");
    srows.push_back(json{{"count", std::to_string(s.count)},
                         {"signature", md_cell(shorten(s.signature, 160))},
                         {"pods", md_cell(pods_text)},
                         {"first_seen", opt_time(s.first_seen)},
                         {"last_seen", opt_time(s.last_seen)},
                         {"sample", md_cell(shorten(s.sample, 200))}});
  }
  v["signatures"] = srows;
  v["has_signatures"] = !srows.empty();
  v["signatures_more"] = more_line(srows.size(), sigs.size(), "report.json (signatures)");

  json wrows = json::array();
  for (std::size_t i = 0; i < a.warnings.size() && i < kMaxWarningRows; ++i) {
    const WarningGroup& w = a.warnings[i];
    wrows.push_back(json{{"cluster", md_cell(w.cluster)},
                         {"reason", md_cell(w.reason)},
                         {"kind", md_cell(w.kind)},
                         {"count", std::to_string(w.count)},
                         {"objects", std::to_string(w.objects.size())},
                         {"sample", md_cell(shorten(w.sample, 200))}});
  }
  v["warnings"] = wrows;
  v["has_warnings"] = !wrows.empty();
  v["warnings_more"] = more_line(wrows.size(), a.warnings.size(), "report.json (warning_events)");
}

void view_traces(const Analysis& a, json& v) {
  json services = json::array();
  for (const auto& [svc, ids] : a.model.traces.services_traces)
    services.push_back(json{{"service", md_cell(svc)}, {"traces", std::to_string(ids.size())}});
  v["services"] = services;
  v["has_traces"] = !services.empty();
  const auto& spans = a.error_spans;
  json span_rows = json::array();
  for (std::size_t i = 0; i < spans.size() && i < kMaxSpanRows; ++i)
    span_rows.push_back(json{{"time", format_rfc3339(spans[i]->start)},
                             {"service", md_cell(spans[i]->service)},
                             {"operation", md_cell(spans[i]->operation)},
                             {"message", md_cell(shorten(spans[i]->message, 200))},
                             {"trace", md_cell(spans[i]->trace_id)}});
  v["error_spans"] = span_rows;
  v["has_error_spans"] = !span_rows.empty();
  v["error_spans_more"] = more_line(span_rows.size(), spans.size(), "report.json (traces)");
  json slow = json::array();
  for (const TraceInfo* t : a.slowest)
    slow.push_back(json{{"trace", md_cell(t->trace_id)},
                        {"root", md_cell(t->root_service + ": " + t->root_operation)},
                        {"start", format_rfc3339(t->start)},
                        {"duration", duration_ms(t->duration_us)},
                        {"spans", std::to_string(t->spans)},
                        {"errors", std::to_string(t->error_spans)}});
  v["slowest"] = slow;
}

}  // namespace kmg::report
