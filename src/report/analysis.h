// Pure functions from a loaded Model to what the report shows: findings, a timeline, grouped
// Warning events, pod rows. Nothing here reads the clock or the file system.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "report/model.h"

namespace kmg::report {

enum class Severity { critical = 0, error = 1, warning = 2, info = 3 };
std::string severity_name(Severity s);

struct ObjectRef {
  std::string cluster, ns, kind, name;
  std::string display() const;  // "cluster/ns/Kind/name" without empty parts
};

struct Finding {
  std::string id;  // "<detector>:<cluster>/<ns>/<kind>/<name>[/<detail>]", unique and stable
  std::string detector;
  Severity severity = Severity::warning;
  std::string title;
  ObjectRef object;
  std::vector<std::string> evidence;
  std::string cause;
  std::string next_step;
  std::vector<std::string> pods;  // "ns/pod" covered by this finding (grouped replicas)
  // Objects whose failure this finding follows from (the Service a pod cannot reach, the claim a
  // pod waits for); the cause graph links it to the findings on them.
  std::vector<ObjectRef> depends_on;
  // Filled by the cause graph (causes.cpp): ids of the findings that explain this one, and of
  // those it explains.
  std::vector<std::string> caused_by, effects;
  bool root_cause = false;  // nothing else explains it
};

// All detectors, grouped across replicas and ranked (severity, then object, then id).
std::vector<Finding> detect_findings(const Model& m);

// What an exit code usually means ("137: SIGKILL (OOM killer or kill -9)").
std::string exit_code_meaning(long code);

struct TimelineEntry {
  EpochNanos time = 0;
  std::optional<EpochNanos> last;  // events: last occurrence
  std::string source;              // event | pod | log | trace | test
  std::string level;               // normal | warning | error
  std::string cluster, object, what;
  std::size_t count = 1;
};

std::vector<TimelineEntry> build_timeline(const Model& m, const std::vector<Finding>& findings);

struct GanttBar {
  std::string cluster, ns, pod;
  EpochNanos start = 0, end = 0;
  bool failing = false;
};
std::vector<GanttBar> build_gantt(const Model& m, const std::vector<Finding>& findings);

struct WarningGroup {
  std::string cluster, reason, kind;
  std::size_t count = 0;
  std::set<std::string> objects;
  std::string sample;
};
std::vector<WarningGroup> group_warning_events(const Model& m);

struct PodRow {
  std::string cluster, ns, name, phase, ready, reason, node, age;
  long restarts = 0;
  bool healthy = true;
};
std::vector<PodRow> pod_rows(const Model& m);

// Event helpers shared by detectors and the timeline.
std::optional<EpochNanos> event_first(const nlohmann::json& ev);
std::optional<EpochNanos> event_last(const nlohmann::json& ev);
long event_count(const nlohmann::json& ev);

}  // namespace kmg::report
