#include "bundle/manifest_record.h"

namespace kmg::bundle {
namespace {

using nlohmann::json;

// ---- Tolerant reading: each read() leaves `out` alone and says false on a type mismatch ----

bool read(const json& v, std::string& out) {
  if (!v.is_string()) return false;
  out = v.get<std::string>();
  return true;
}
bool read(const json& v, bool& out) {
  if (!v.is_boolean()) return false;
  out = v.get<bool>();
  return true;
}
// Counts: a non-negative integer (text parses as unsigned, a C++ literal builds a signed one).
bool read(const json& v, std::uint64_t& out) {
  if (!v.is_number_integer() || (!v.is_number_unsigned() && v.get<std::int64_t>() < 0))
    return false;
  out = v.get<std::uint64_t>();
  return true;
}
bool read(const json& v, long& out) {
  if (!v.is_number_integer()) return false;
  out = v.get<long>();
  return true;
}
bool read(const json& v, int& out) {
  if (!v.is_number_integer()) return false;
  out = v.get<int>();
  return true;
}
bool read(const json& v, double& out) {
  if (!v.is_number()) return false;
  out = v.get<double>();
  return true;
}
// A record: any object reads (its fields tolerantly), anything else does not.
template <class Record>
requires requires(const json& j, Record& r) { from_json(j, r); }
bool read(const json& v, Record& out) {
  if (!v.is_object()) return false;
  from_json(v, out);
  return true;
}
// Elements of the wrong type are skipped, the others kept in order.
template <class T>
bool read(const json& v, std::vector<T>& out) {
  if (!v.is_array()) return false;
  out.clear();
  for (const auto& e : v) {
    T t{};
    if (read(e, t)) out.push_back(std::move(t));
  }
  return true;
}
template <class T>
bool read(const json& v, std::map<std::string, T>& out) {
  if (!v.is_object()) return false;
  out.clear();
  for (const auto& [key, e] : v.items()) read(e, out[key]);  // a damaged entry keeps its key
  return true;
}
template <class T>
bool read(const json& v, std::optional<T>& out) {
  T t{};
  if (!read(v, t)) return false;
  out = std::move(t);
  return true;
}

template <class T>
void field(const json& obj, const char* key, T& out) {
  if (!obj.is_object()) return;
  const auto it = obj.find(key);
  if (it != obj.end()) read(*it, out);
}

// ---- Writing ----

template <class T>
void put(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace

void to_json(json& j, const FailedRequest& r) {
  j = {{"collector", r.collector},
       {"method", r.method},
       {"path", r.path},
       {"status", r.status},
       {"message", r.message}};
}
void from_json(const json& j, FailedRequest& r) {
  field(j, "collector", r.collector);
  field(j, "method", r.method);
  field(j, "path", r.path);
  field(j, "status", r.status);
  field(j, "message", r.message);
}

void to_json(json& j, const CollectorStats& r) {
  j = {{"requests", r.requests},
       {"failures", r.failures},
       {"bytes", r.bytes},
       {"items", r.items},
       {"seconds", r.seconds}};
}
void from_json(const json& j, CollectorStats& r) {
  field(j, "requests", r.requests);
  field(j, "failures", r.failures);
  field(j, "bytes", r.bytes);
  field(j, "items", r.items);
  field(j, "seconds", r.seconds);
}

void to_json(json& j, const NodeRecord& r) {
  j = {{"name", r.name}, {"role", r.role}, {"state", r.state}, {"image", r.image}};
}
void from_json(const json& j, NodeRecord& r) {
  field(j, "name", r.name);
  field(j, "role", r.role);
  field(j, "state", r.state);
  field(j, "image", r.image);
}

void to_json(json& j, const EngineRecord& r) {
  j = {{"provider", r.provider},
       {"endpoint", r.endpoint},
       {"error", r.error},
       {"containers", r.containers}};
}
void from_json(const json& j, EngineRecord& r) {
  field(j, "provider", r.provider);
  field(j, "endpoint", r.endpoint);
  field(j, "error", r.error);
  field(j, "containers", r.containers);
}

void to_json(json& j, const AttachmentRecord& r) { j = {{"source", r.source}, {"path", r.path}}; }
void from_json(const json& j, AttachmentRecord& r) {
  field(j, "source", r.source);
  field(j, "path", r.path);
}

void to_json(json& j, const ToolRecord& r) {
  j = {{"name", r.name}, {"version", r.version}};
  if (!r.commit.empty()) j["commit"] = r.commit;
}
void from_json(const json& j, ToolRecord& r) {
  field(j, "name", r.name);
  field(j, "version", r.version);
  field(j, "commit", r.commit);
}

void to_json(json& j, const SizeBudgetRecord& r) {
  j = {{"max_bytes", r.max_bytes}, {"exhausted", r.exhausted}};
}
void from_json(const json& j, SizeBudgetRecord& r) {
  field(j, "max_bytes", r.max_bytes);
  field(j, "exhausted", r.exhausted);
}

void to_json(json& j, const RedactionRecord& r) {
  j = {{"enabled", r.enabled}, {"masked", r.masked}};
}
void from_json(const json& j, RedactionRecord& r) {
  field(j, "enabled", r.enabled);
  field(j, "masked", r.masked);
}

void to_json(json& j, const RecordedClusterRecord& r) {
  j = {{"first_seen", r.first_seen},           {"last_seen", r.last_seen},
       {"reconstructed", r.reconstructed},     {"object_versions", r.object_versions},
       {"deleted_objects", r.deleted_objects}, {"log_instances", r.log_instances}};
  put(j, "deleted_at", r.deleted_at);
}
void from_json(const json& j, RecordedClusterRecord& r) {
  field(j, "first_seen", r.first_seen);
  field(j, "last_seen", r.last_seen);
  field(j, "deleted_at", r.deleted_at);
  field(j, "reconstructed", r.reconstructed);
  field(j, "object_versions", r.object_versions);
  field(j, "deleted_objects", r.deleted_objects);
  field(j, "log_instances", r.log_instances);
}

void to_json(json& j, const RecordingRecord& r) {
  j = {{"started_at", r.started_at},           {"stopped_at", r.stopped_at},
       {"object_versions", r.object_versions}, {"log_instances", r.log_instances},
       {"partial_lines", r.partial_lines},     {"problems", r.problems}};
  put(j, "wall_seconds", r.wall_seconds);
  put(j, "cpu_user_seconds", r.cpu_user_seconds);
  put(j, "cpu_system_seconds", r.cpu_system_seconds);
  put(j, "peak_rss_bytes", r.peak_rss_bytes);
}
void from_json(const json& j, RecordingRecord& r) {
  field(j, "started_at", r.started_at);
  field(j, "stopped_at", r.stopped_at);
  field(j, "wall_seconds", r.wall_seconds);
  field(j, "cpu_user_seconds", r.cpu_user_seconds);
  field(j, "cpu_system_seconds", r.cpu_system_seconds);
  field(j, "peak_rss_bytes", r.peak_rss_bytes);
  field(j, "object_versions", r.object_versions);
  field(j, "log_instances", r.log_instances);
  field(j, "partial_lines", r.partial_lines);
  field(j, "problems", r.problems);
}

void to_json(json& j, const ClusterRecord& r) {
  j = json::object();
  put(j, "provider", r.provider);
  put(j, "kubeconfig_source", r.kubeconfig_source);
  put(j, "api_endpoint", r.api_endpoint);
  put(j, "nodes", r.nodes);
  put(j, "problems", r.problems);
  put(j, "reachable", r.reachable);
  put(j, "server_version", r.server_version);
  put(j, "unreachable_reason", r.unreachable_reason);
  j["collectors"] = r.collectors;
  j["failures"] = r.failures;
  j["notes"] = r.notes;
  put(j, "recorded", r.recorded);
}
void from_json(const json& j, ClusterRecord& r) {
  field(j, "provider", r.provider);
  field(j, "kubeconfig_source", r.kubeconfig_source);
  field(j, "api_endpoint", r.api_endpoint);
  field(j, "nodes", r.nodes);
  field(j, "problems", r.problems);
  field(j, "reachable", r.reachable);
  field(j, "server_version", r.server_version);
  field(j, "unreachable_reason", r.unreachable_reason);
  field(j, "collectors", r.collectors);
  field(j, "failures", r.failures);
  field(j, "notes", r.notes);
  field(j, "recorded", r.recorded);
}

void to_json(json& j, const ManifestRecord& r) {
  j = json::object();
  put(j, "tool", r.tool);
  put(j, "command_line", r.command_line);
  put(j, "started_at", r.started_at);
  put(j, "finished_at", r.finished_at);
  put(j, "engines", r.engines);
  put(j, "discovery_notes", r.discovery_notes);
  if (!r.attachments.empty()) j["attachments"] = r.attachments;
  put(j, "partial", r.partial);
  put(j, "interrupted", r.interrupted);
  put(j, "timed_out", r.timed_out);
  put(j, "write_failed", r.write_failed);
  put(j, "size_budget", r.size_budget);
  put(j, "redaction", r.redaction);
  j["clusters"] = r.clusters;
  put(j, "general", r.general);
  put(j, "recording", r.recording);
}
void from_json(const json& j, ManifestRecord& r) {
  field(j, "tool", r.tool);
  field(j, "command_line", r.command_line);
  field(j, "started_at", r.started_at);
  field(j, "finished_at", r.finished_at);
  field(j, "engines", r.engines);
  field(j, "discovery_notes", r.discovery_notes);
  field(j, "attachments", r.attachments);
  field(j, "partial", r.partial);
  field(j, "interrupted", r.interrupted);
  field(j, "timed_out", r.timed_out);
  field(j, "write_failed", r.write_failed);
  field(j, "size_budget", r.size_budget);
  field(j, "redaction", r.redaction);
  field(j, "clusters", r.clusters);
  field(j, "general", r.general);
  field(j, "recording", r.recording);
}

}  // namespace kmg::bundle
