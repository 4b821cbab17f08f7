// The records of manifest.json, defined once: the gather fills them (bundle::Manifest) and the
// report reads them back (report/model.cpp), so neither side spells a field's key. Reading is
// tolerant: a missing field or one of the wrong type keeps its default (a bundle may come from an
// older version or be damaged), it never throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::bundle {

// One request that failed. `cluster` is where it is filed in the manifest, not a field of it.
struct FailedRequest {
  std::string cluster;
  std::string collector;
  std::string method = "GET";
  std::string path;     // API path or engine request ("exec journalctl ... in kind-worker")
  long status = 0;      // HTTP status, 0 for a transport failure
  std::string message;  // one line
};

struct CollectorStats {
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t bytes = 0;
  std::uint64_t items = 0;  // objects or files produced
  double seconds = 0;       // wall time of the collector
};

struct NodeRecord {
  std::string name, role, state, image;
};

// A container engine discovery asked for Kind clusters.
struct EngineRecord {
  std::string provider, endpoint, error;
  int containers = 0;  // Kind node containers it returned
};

struct AttachmentRecord {
  std::string source;  // path on the gathering host
  std::string path;    // bundle-relative
};

// manifest.clusters[<name>].recorded: what a flight recording (`record`) saw of the cluster.
// Times are RFC 3339 with nanoseconds, from the recording's own lines.
struct RecordedClusterRecord {
  std::string first_seen, last_seen;      // its first and last line in the recording
  std::optional<std::string> deleted_at;  // clusters.jsonl says "disappeared" (last such line)
  bool reconstructed = false;  // clusters/<c>/ was written from the recording, not gathered
  std::uint64_t object_versions = 0, deleted_objects = 0, log_instances = 0;
};

// manifest.clusters[<name>], and manifest.general (work of no cluster) with only the last three.
// The optional fields are the cluster's description, set by the gather for each cluster it was
// given; absent (not empty) when it never got that far.
struct ClusterRecord {
  std::optional<std::string> provider, kubeconfig_source, api_endpoint;
  std::optional<std::vector<NodeRecord>> nodes;
  std::optional<std::vector<std::string>> problems;
  std::optional<bool> reachable;
  std::optional<std::string> server_version, unreachable_reason;
  std::map<std::string, CollectorStats> collectors;
  std::vector<FailedRequest> failures;  // in the order they happened
  std::vector<std::string> notes;       // "node kind-worker is stopped: no node logs"
  std::optional<RecordedClusterRecord> recorded;
};

struct ToolRecord {
  std::string name, version, commit;
};
struct SizeBudgetRecord {
  std::uint64_t max_bytes = 0;  // 0: no budget
  bool exhausted = false;
};
struct RedactionRecord {
  bool enabled = false;
  std::uint64_t masked = 0;
};

// manifest.recording: the flight recording merged into this bundle.
inline constexpr const char* kRecordingKilled = "killed: no stopped.json";
struct RecordingRecord {
  std::string started_at;  // recording.json
  std::string stopped_at;  // stopped.json, or kRecordingKilled when the recorder never wrote it
  // The recorder's own cost (stopped.json); absent when it was killed.
  std::optional<double> wall_seconds, cpu_user_seconds, cpu_system_seconds;
  std::optional<std::uint64_t> peak_rss_bytes;
  std::uint64_t object_versions = 0;  // object lines read (all clusters)
  std::uint64_t log_instances = 0;    // container instances' logs merged
  std::uint64_t partial_lines = 0;    // incomplete last lines skipped (killed mid-write)
  std::vector<std::string> problems;  // what could not be read: "<file>: <why>", merge went on
};

// The whole manifest.json. Top-level fields are optional for the same reason as above: a gather
// sets them at its start and its end.
struct ManifestRecord {
  std::optional<ToolRecord> tool;
  std::optional<std::string> command_line, started_at, finished_at;  // RFC 3339
  std::optional<std::vector<EngineRecord>> engines;
  std::optional<std::vector<std::string>> discovery_notes;
  std::vector<AttachmentRecord> attachments;  // written only when not empty
  std::optional<bool> partial, interrupted, timed_out, write_failed;
  std::optional<SizeBudgetRecord> size_budget;
  std::optional<RedactionRecord> redaction;
  std::map<std::string, ClusterRecord> clusters;
  std::optional<ClusterRecord> general;
  std::optional<RecordingRecord> recording;
};

// nlohmann::json objects are std::map-backed: keys come out sorted, so the text is deterministic.
// A FailedRequest is written without its cluster (it is filed under it) and read back without.
void to_json(nlohmann::json& j, const FailedRequest& r);
void to_json(nlohmann::json& j, const CollectorStats& r);
void to_json(nlohmann::json& j, const NodeRecord& r);
void to_json(nlohmann::json& j, const EngineRecord& r);
void to_json(nlohmann::json& j, const AttachmentRecord& r);
void to_json(nlohmann::json& j, const ClusterRecord& r);
void to_json(nlohmann::json& j, const ToolRecord& r);
void to_json(nlohmann::json& j, const SizeBudgetRecord& r);
void to_json(nlohmann::json& j, const RedactionRecord& r);
void to_json(nlohmann::json& j, const ManifestRecord& r);
void to_json(nlohmann::json& j, const RecordedClusterRecord& r);
void to_json(nlohmann::json& j, const RecordingRecord& r);

void from_json(const nlohmann::json& j, FailedRequest& r);
void from_json(const nlohmann::json& j, CollectorStats& r);
void from_json(const nlohmann::json& j, NodeRecord& r);
void from_json(const nlohmann::json& j, EngineRecord& r);
void from_json(const nlohmann::json& j, AttachmentRecord& r);
void from_json(const nlohmann::json& j, ClusterRecord& r);
void from_json(const nlohmann::json& j, ToolRecord& r);
void from_json(const nlohmann::json& j, SizeBudgetRecord& r);
void from_json(const nlohmann::json& j, RedactionRecord& r);
void from_json(const nlohmann::json& j, ManifestRecord& r);
void from_json(const nlohmann::json& j, RecordedClusterRecord& r);
void from_json(const nlohmann::json& j, RecordingRecord& r);

}  // namespace kmg::bundle
