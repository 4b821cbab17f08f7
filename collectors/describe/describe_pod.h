// `kubectl describe pod` (kubectl 1.32) as a pure function of the Pod JSON and its events.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/timestamps.h"

namespace kmg::describe {

// The pod as the API returns it; events that involve it (null pointers skipped); `now` is the
// gather's start time, used for every Age. Times print in UTC (kubectl uses the local zone).
// Plain env values are printed as they are: redaction is the caller's job.
// Never throws on odd data: missing or mistyped fields print as kubectl prints empty ones.
std::string describe_pod(const nlohmann::json& pod,
                         const std::vector<const nlohmann::json*>& events, EpochNanos now);

}  // namespace kmg::describe
