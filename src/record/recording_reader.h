// Reads a recording folder (record/recording.h) back, one line at a time: segments can be
// gigabytes, so nothing here holds more than one line. A last line without its '\n' (a recorder
// killed mid-write) is skipped and counted; a line that is not what recording.h documents is
// reported through `problem` and skipped.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "record/recording.h"

namespace kmg::record {

// Something of the recording that could not be read: "<file>: <why>".
using ProblemSink = std::function<void(const std::string&)>;

struct LineCounts {
  std::uint64_t lines = 0;    // complete lines handed out
  std::uint64_t partial = 0;  // 1 when the file ended inside a line
};

// Calls `on_line` with each complete line (without its '\n'). False when the file cannot be
// opened (reported through `problem`).
bool for_each_line(const std::filesystem::path& file,
                   const std::function<void(std::string_view)>& on_line, LineCounts& counts,
                   const ProblemSink& problem);

// A LogMark line (recording.h): where one container instance's stream opened or ended.
struct LogMark {
  EpochNanos at = 0;
  std::string ns, pod, container, container_id, instance, state, reason;
  int restart_count = 0;
  std::uint64_t dropped_bytes = 0;
};

// One line of an objects segment: an ObjectChange or a LogMark; `at_text` is the line's own
// "at" string (kept as written, nanoseconds included).
struct SegmentLine {
  std::optional<ObjectChange> change;
  std::optional<LogMark> mark;
  std::string at_text;
};

std::optional<ClusterEvent> parse_cluster_event(const nlohmann::json& line);
// nullopt when the line is neither kind (no "type", no "object" for a change...).
std::optional<SegmentLine> parse_segment_line(const nlohmann::json& line);

// clusters/<c>/objects-NNNNNN.jsonl of one cluster folder, in index order.
std::vector<std::filesystem::path> object_segments(const std::filesystem::path& cluster_dir);
// The folder names under <recording>/clusters/, sorted.
std::vector<std::string> cluster_folders(const std::filesystem::path& recording_dir);

// One container instance's log files: <instance>.log.0 (older half, may be absent) and
// <instance>.log. Sorted by (ns, pod, container, instance): each container's instances are in
// start order.
struct InstanceFiles {
  std::string ns, pod, container, instance;  // folder and file names as on disk
  std::optional<std::filesystem::path> older, newer;
};
std::vector<InstanceFiles> instance_logs(const std::filesystem::path& cluster_dir);

}  // namespace kmg::record
