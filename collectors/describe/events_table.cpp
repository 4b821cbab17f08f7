#include "collectors/describe/events_table.h"

#include <algorithm>
#include <climits>

#include "collectors/describe/json_access.h"
#include "util/text.h"

namespace kmg::describe {
namespace {

namespace ja = json_access;
using nlohmann::json;

// A field under its core/v1 name, else its events.k8s.io/v1 name.
const json& either(const json& e, std::string_view core, std::string_view events_v1) {
  const json& v = ja::at(e, core);
  return v.is_null() ? ja::at(e, events_v1) : v;
}

std::optional<EpochNanos> last_timestamp(const json& e) {
  return ja::time_of(either(e, "lastTimestamp", "deprecatedLastTimestamp"));
}

std::optional<EpochNanos> first_timestamp(const json& e) {
  return ja::time_of(either(e, "firstTimestamp", "deprecatedFirstTimestamp"));
}

std::optional<EpochNanos> event_time(const json& e) { return ja::time_of(ja::at(e, "eventTime")); }

const json& series(const json& e) { return ja::at(e, "series"); }

std::int64_t legacy_count(const json& e) {
  return ja::int_of(either(e, "count", "deprecatedCount")).value_or(0);
}

const json& involved(const json& e) { return either(e, "involvedObject", "regarding"); }

std::string message(const json& e) {
  return std::string(trim(ja::text(either(e, "message", "note"))));
}

// kubectl's SortableEvents compares lastTimestamp alone: an event without one (the scheduler's,
// which sets only eventTime) sorts first, as the real kubectl shows against the fake apiserver.
EpochNanos sort_key(const json& e) {
  if (auto t = last_timestamp(e)) return *t;
  return LLONG_MIN;
}

std::vector<const json*> sorted_events(const std::vector<const json*>& events,
                                       EpochNanos (*key)(const json&)) {
  std::vector<const json*> out;
  for (const json* e : events) {
    if (e != nullptr) out.push_back(e);
  }
  std::stable_sort(out.begin(), out.end(),
                   [key](const json* a, const json* b) { return key(*a) < key(*b); });
  return out;
}

std::string one_line(std::string_view s) {
  std::string out(trim(s));
  for (char& c : out) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  return out;
}

EpochNanos table_sort_key(const json& e) {
  if (auto t = event_last_time(e)) return *t;
  if (auto t = event_first_time(e)) return *t;
  return LLONG_MIN;
}

}  // namespace

std::optional<EpochNanos> event_first_time(const json& event) {
  if (auto t = event_time(event)) return t;
  return first_timestamp(event);
}

std::optional<EpochNanos> event_last_time(const json& event) {
  if (auto t = ja::time_of(ja::at(series(event), "lastObservedTime"))) return t;
  if (auto t = last_timestamp(event)) return t;
  return event_time(event);
}

std::string event_source(const json& event) {
  std::string source = ja::str(either(event, "source", "deprecatedSource"), "component");
  if (source.empty()) source = ja::str(event, "reportingComponent");
  if (source.empty()) source = ja::str(event, "reportingController");
  return source;
}

std::string age_since(std::optional<EpochNanos> t, EpochNanos now) {
  if (!t) return "<unknown>";
  return short_duration((now - *t) / 1'000'000'000);
}

std::string event_age(const json& event, EpochNanos now) {
  const std::string first = age_since(event_first_time(event), now);
  const json& s = series(event);
  if (s.is_object()) {
    return age_since(ja::time_of(ja::at(s, "lastObservedTime")), now) + " (x" +
           std::to_string(ja::num(s, "count")) + " over " + first + ")";
  }
  const std::int64_t count = legacy_count(event);
  if (count > 1) {
    return age_since(last_timestamp(event), now) + " (x" + std::to_string(count) + " over " +
           first + ")";
  }
  return first;
}

void describe_events(PrefixWriter& w, const std::vector<const json*>& events, EpochNanos now) {
  const std::vector<const json*> sorted = sorted_events(events, sort_key);
  if (sorted.empty()) {
    w.write(0, "Events:\t<none>\n");
    return;
  }
  w.flush();
  w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.write(1, "----\t------\t----\t----\t-------\n");
  for (const json* e : sorted) {
    w.write(1, ja::str(*e, "type") + "\t" + ja::str(*e, "reason") + "\t" + event_age(*e, now) +
                   "\t" + event_source(*e) + "\t" + message(*e) + "\n");
  }
}

std::string events_table(const std::vector<const json*>& events, EpochNanos now) {
  std::string text = "LAST SEEN\tTYPE\tREASON\tOBJECT\tNAMESPACE\tMESSAGE\tCOUNT\n";
  for (const json* e : sorted_events(events, table_sort_key)) {
    const json& obj = involved(*e);
    std::string target = to_lower(ja::str(obj, "kind"));
    const std::string name = ja::str(obj, "name");
    if (!name.empty()) target += (target.empty() ? "" : "/") + name;
    std::string ns = ja::str(obj, "namespace");
    if (ns.empty()) ns = ja::str(ja::at(*e, "metadata"), "namespace");
    std::int64_t count = legacy_count(*e);
    if (series(*e).is_object()) count = ja::num(series(*e), "count");
    if (count <= 0) count = 1;  // singleton events carry no count in the new API
    text += age_since(event_last_time(*e), now) + "\t" + one_line(ja::str(*e, "type")) + "\t" +
            one_line(ja::str(*e, "reason")) + "\t" + one_line(target) + "\t" + one_line(ns) + "\t" +
            one_line(message(*e)) + "\t" + std::to_string(count) + "\n";
  }
  // kubectl get prints through tabwriter(minwidth 6, padding 3).
  return tabwrite(text, 6, 3);
}

}  // namespace kmg::describe
