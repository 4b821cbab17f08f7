// The RecordingWriter on disk: the folder layout and line schemas of record/recording.h, written
// so that a recorder killed with SIGKILL leaves only complete lines plus at most one partial last
// line per file (every line is one write(2) on an O_APPEND descriptor).
//
// The writer writes what it is given: callers redact (recording.h, "Secret values never reach a
// recording").
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "record/recording.h"
#include "util/timestamps.h"

namespace kmg::record {

struct WriterOptions {
  std::uint64_t segment_bytes = kSegmentBytes;  // a new objects-NNNNNN.jsonl past this size
  std::uint64_t log_limit_bytes = 10ull << 20;  // per container instance, tail kept; 0: no bound
  std::size_t max_open_logs = 64;  // log files held open at once (least recently used closed)
};

// Writes `value` to `path` under a temporary name in the same folder, then renames it, so a reader
// sees the whole file or none. Throws kmg::Error naming the path.
void write_json_file(const std::filesystem::path& path, const nlohmann::json& value);

// Creates `dir` (and its parents) and returns a writer into it. Appends to files already there
// (a recorder restarted on its own folder). Throws kmg::Error when the folder cannot be made.
std::unique_ptr<RecordingWriter> make_recording_writer(const std::filesystem::path& dir,
                                                       WriterOptions options = {});

}  // namespace kmg::record
