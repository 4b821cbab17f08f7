// The recording a `kind-must-gather record` run leaves on disk, and the writer the watchers feed.
//
// A recording is a folder, `<output>.recording/`, written append-only while the tests run, so a
// recorder killed with SIGKILL leaves everything up to its last complete line:
//
//   recording.json                       written once at start: {"format":1,"started_at":RFC3339,
//                                        "pid":N,"output":PATH,"command_line":"..."}
//   stopped.json                         written when the recorder stops normally (absent after a
//                                        SIGKILL):
//                                        {"stopped_at":RFC3339,"wall_seconds","cpu_user_seconds",
//                                        "cpu_system_seconds","peak_rss_bytes","stats":{RecordingStats},
//                                        "clusters":{NAME:{ClusterRecorderStats}}}
//   clusters.jsonl                       one line per change of a cluster's life, ClusterEvent
//   clusters/<cluster>/objects-NNNNNN.jsonl
//                                        segments of ObjectChange lines (and LogMark lines), each
//                                        line written with one write(2) on an O_APPEND fd; a new
//                                        segment starts past kSegmentBytes. A reader skips a last
//                                        line without its '\n' (a kill mid-write).
//   clusters/<cluster>/logs/<ns>/<pod>/<container>/<instance>.log
//                                        one container instance's log as the API served it with
//                                        timestamps=true ("RFC3339Nano text" lines). Bounded by
//                                        --log-limit-bytes with the tail kept: the writer fills
//                                        <instance>.log up to half the limit, then renames it to
//                                        <instance>.log.0 (replacing the older one) and starts
//                                        again, so the two files hold the newest half..whole limit.
//
// Line schemas (one JSON object per line):
//   ClusterEvent: {"at":RFC3339Nano,"cluster":NAME,"event":"appeared"|"reachable"|"unreachable"|
//                  "disappeared","provider":"docker"|"podman"|"kubeconfig",...,"endpoint":URL,
//                  "nodes":[{"name","role","state","image"}],"reason":TEXT}
//   ObjectChange: {"at":RFC3339Nano,"type":"LISTED"|"ADDED"|"MODIFIED"|"DELETED","group":"apps",
//                  "version":"v1","resource":"deployments","object":{...}}
//                 LISTED is an item of a (re-)list; a re-list after 410 Gone writes an item only
//                 when its resourceVersion differs from the last one recorded, and a DELETED for
//                 an object the list no longer has (what client-go's reflector Replace does).
//   LogMark:      {"at":RFC3339Nano,"type":"LOG","namespace","pod","container","container_id",
//                  "instance":NAME,"restart_count":N,"state":"open"|"closed","reason":TEXT,
//                  "dropped_bytes":N}   written when an instance's stream opens and when it ends.
//
// Secret values never reach a recording: Secrets are not watched, and ConfigMap data, env values
// and log lines pass through the same Redactor as a gather before they are written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/timestamps.h"

namespace kmg::record {

inline constexpr int kFormat = 1;
inline constexpr std::uint64_t kSegmentBytes = 64ull << 20;

// Paths inside a recording folder. Every name from a server passes through
// safe_path_component() (util/path.h).
namespace paths {
std::filesystem::path recording_json(const std::filesystem::path& dir);
std::filesystem::path clusters_jsonl(const std::filesystem::path& dir);
std::filesystem::path cluster_dir(const std::filesystem::path& dir, std::string_view cluster);
// clusters/<cluster>/objects-000001.jsonl for index 1
std::filesystem::path object_segment(const std::filesystem::path& dir, std::string_view cluster,
                                     int index);
std::filesystem::path log_file(const std::filesystem::path& dir, std::string_view cluster,
                               std::string_view ns, std::string_view pod,
                               std::string_view container, std::string_view instance);
// The folder a recording for `output` lives in: "<output>.recording".
std::filesystem::path recording_dir_for(const std::filesystem::path& output);
}  // namespace paths

struct NodeSeen {
  std::string name, role, state, image;
};

struct ClusterEvent {
  EpochNanos at = 0;
  std::string cluster;
  std::string event;  // appeared | reachable | unreachable | disappeared
  std::string provider;
  std::string endpoint;
  std::vector<NodeSeen> nodes;
  std::string reason;
};

struct ObjectChange {
  EpochNanos at = 0;
  std::string type;  // LISTED | ADDED | MODIFIED | DELETED
  std::string group, version, resource;
  nlohmann::json object;
};

// One container instance: a new one starts with each restart (its container ID changes).
struct LogInstance {
  std::string ns, pod, container, container_id;
  int restart_count = 0;
  // File-name stem, sortable by start: "<restart_count, 4 digits>-<first 12 of container_id>".
  std::string name() const;
};

// Appends one instance's log; keeps the tail within the limit. Not thread-safe (one per stream).
class LogAppender {
 public:
  virtual ~LogAppender() = default;
  virtual void append(std::string_view chunk) = 0;
  // Ends the stream and writes its closing LogMark ("container terminated", "connection lost").
  virtual void close(std::string_view reason) = 0;
};

struct RecordingStats {
  std::uint64_t object_lines = 0;
  std::uint64_t log_bytes = 0;
  std::uint64_t log_bytes_dropped = 0;
  std::uint64_t log_streams = 0;
};

// Thread-safe: every cluster's watchers write through one writer.
class RecordingWriter {
 public:
  virtual ~RecordingWriter() = default;
  virtual void cluster_event(const ClusterEvent& event) = 0;
  virtual void object(std::string_view cluster, const ObjectChange& change) = 0;
  virtual std::unique_ptr<LogAppender> open_log(std::string_view cluster,
                                                const LogInstance& instance) = 0;
  virtual RecordingStats stats() const = 0;
};

}  // namespace kmg::record
