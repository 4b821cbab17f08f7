// Jaeger UI JSON ({"data":[{traceID, spans, processes}]}, or a bare array of traces) reduced to
// per-service trace counts, error spans and trace durations.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "report/model.h"

namespace kmg::report {

// Adds the traces in `doc` (read from bundle path `source`) to `out`. Unknown shapes are ignored.
void add_jaeger_traces(const nlohmann::json& doc, const std::string& source, TraceData& out);

}  // namespace kmg::report
