// A Jaeger query service behind the apiserver's service proxy, answering from the scenario's UI
// traces: the classic /api UI endpoints and api_v3 (OTLP JSON), shapes per jaeger v2.20.0.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "store.h"

namespace kmg::fakeapi {

struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using QueryParams = std::multimap<std::string, std::string>;

// `path` is what follows ".../proxy" (e.g. "/api/services"); `now_us` is the clock for defaults.
HttpReply serve_jaeger(const JaegerBackend& backend, const std::string& path,
                       const QueryParams& params, std::int64_t now_us);

// One Jaeger UI trace {traceID, spans, processes} as OTLP JSON resourceSpans.
json ui_trace_to_otlp(const json& trace);

}  // namespace kmg::fakeapi
