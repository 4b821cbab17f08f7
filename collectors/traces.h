// Jaeger traces: every Jaeger query service in the cluster, reached through the API server's
// service proxy (never a port-forward), plus an optional Jaeger outside the cluster
// (--jaeger-url). The v3 API is tried first (newer Jaeger removed the old search endpoints), the
// classic UI API second; both are written in the Jaeger UI JSON shape so the report reads one
// format: clusters/<c>/traces/<ns>.<svc>/<service>.json = {"data":[trace…]}.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_traces(ClusterContext& ctx);

// The same with "now" given (nanoseconds since the epoch, UTC): the search window is
// [now - trace_lookback_seconds, now], or with trace_lookback_seconds 0 [oldest Node's
// creationTimestamp, now] (the last hour when no Node has one). collect_traces() passes the wall
// clock.
void collect_traces_at(ClusterContext& ctx, std::int64_t now_ns);

// A v3 answer ({"result":{"resourceSpans":[…]}} or the bare TracesData) as Jaeger UI traces
// ([{traceID, spans[], processes{p1:…}, warnings}]). Error status becomes the tags error=true,
// otel.status_code=ERROR and otel.status_description, as Jaeger's own translation does.
nlohmann::json otlp_to_jaeger_traces(const nlohmann::json& v3_answer);

}  // namespace kmg::collectors
