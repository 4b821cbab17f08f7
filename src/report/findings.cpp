// What findings share: severity names, object references, exit code meanings and event times.
// The detectors themselves live in detectors/, one file per family.
#include <string>

#include "report/analysis.h"
#include "util/text.h"

namespace kmg::report {

using nlohmann::json;

std::string severity_name(Severity s) {
  switch (s) {
    case Severity::critical:
      return "critical";
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "info";
  }
  return "info";
}

std::string ObjectRef::display() const {
  std::vector<std::string> parts;
  for (const auto* p : {&cluster, &ns, &kind, &name})
    if (!p->empty()) parts.push_back(*p);
  return join(parts, "/");
}

std::string exit_code_meaning(long code) {
  switch (code) {
    case 0:
      return "exited normally";
    case 1:
      return "application error";
    case 2:
      return "misuse of a shell builtin or bad arguments";
    case 126:
      return "command found but not executable";
    case 127:
      return "command not found";
    case 128 + 9:
      return "SIGKILL: OOM killer or kill -9";
    case 128 + 11:
      return "SIGSEGV: segmentation fault";
    case 128 + 15:
      return "SIGTERM: stopped by a signal, often a failed liveness probe or a shutdown";
    case 128 + 6:
      return "SIGABRT: the process aborted";
    default:
      if (code > 128 && code < 160) return "killed by signal " + std::to_string(code - 128);
      return "application-defined exit code";
  }
}

std::optional<EpochNanos> event_first(const json& ev) {
  if (auto t = json_time(ev, "firstTimestamp")) return t;
  if (auto t = json_time(ev, "eventTime")) return t;
  return json_time(ev, "lastTimestamp");
}

std::optional<EpochNanos> event_last(const json& ev) {
  if (auto t = json_time(at_path(ev, {"series"}), "lastObservedTime")) return t;
  if (auto t = json_time(ev, "lastTimestamp")) return t;
  return event_first(ev);
}

long event_count(const json& ev) {
  const json& series = at_path(ev, {"series", "count"});
  if (series.is_number()) return series.get<long>();
  const json& c = at_path(ev, {"count"});
  return c.is_number() && c.get<long>() > 0 ? c.get<long>() : 1;
}

}  // namespace kmg::report
