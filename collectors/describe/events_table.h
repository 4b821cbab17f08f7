// Events the way kubectl shows them: the "Events:" section of describe, and a cluster-wide
// chronological table like `kubectl get events -A --sort-by=.lastTimestamp`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collectors/describe/tabwriter.h"
#include "util/timestamps.h"

namespace kmg::describe {

// core/v1 field names first, then their events.k8s.io/v1 spellings.
// First time: eventTime, else firstTimestamp.
std::optional<EpochNanos> event_first_time(const nlohmann::json& event);
// Last time: series.lastObservedTime, else lastTimestamp, else eventTime.
std::optional<EpochNanos> event_last_time(const nlohmann::json& event);
// The From column: source.component, else reportingComponent (reportingController).
std::string event_source(const nlohmann::json& event);
// The describe Age cell: "45s", "3m (x12 over 8m)", "<unknown>".
std::string event_age(const nlohmann::json& event, EpochNanos now);
// kubectl's translateTimestampSince: short duration since t, "<unknown>" without a time.
std::string age_since(std::optional<EpochNanos> t, EpochNanos now);

// Writes "Events:  <none>" or the Type/Reason/Age/From/Message table, sorted by last time.
// Flushes the writer before a table, as kubectl does.
void describe_events(PrefixWriter& w, const std::vector<const nlohmann::json*>& events,
                     EpochNanos now);

// LAST SEEN, TYPE, REASON, OBJECT (kind/name), NAMESPACE, MESSAGE, COUNT, oldest first; with a
// header row even when empty. Null pointers are skipped.
std::string events_table(const std::vector<const nlohmann::json*>& events, EpochNanos now);

}  // namespace kmg::describe
