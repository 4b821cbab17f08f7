// Records one reachable cluster while it lives: lists then watches its objects (re-listing on
// 410 Gone and resuming after a dropped connection, as client-go's reflector does) and follows
// every container's log from the moment it starts, a new stream per instance. Everything seen
// goes to a RecordingWriter; nothing is held in memory beyond what a stream is decoding.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "discovery/cluster_target.h"
#include "record/recording.h"

namespace kmg {
class Redactor;
}

namespace kmg::record {

struct RecorderOptions {
  std::uint64_t log_limit_bytes = 10ull << 20;    // per container instance, tail kept
  int max_streams = 256;                          // concurrent watch + log streams per cluster
  std::chrono::seconds watch_timeout{300};        // timeoutSeconds asked of each watch
  std::chrono::seconds request_timeout{30};       // lists and other short requests
  std::chrono::milliseconds retry_backoff{1000};  // first wait after a dropped stream (doubles)
};

struct ClusterRecorderStats {
  std::uint64_t relists = 0;      // lists after 410 Gone or a lost connection
  std::uint64_t reconnects = 0;   // watches resumed from their last resourceVersion
  std::uint64_t log_streams = 0;  // container instances followed
  bool reachable = false;         // the last request got an answer
  std::string last_error;
};

class ClusterRecorder {
 public:
  virtual ~ClusterRecorder() = default;
  // Starts recording on the recorder's own thread(s); returns at once.
  virtual void start() = 0;
  // Ends every stream, closes open logs ("recorder stopped") and joins its threads.
  virtual void stop() = 0;
  virtual ClusterRecorderStats stats() const = 0;
};

// `target` must have REST credentials (target.rest). `redactor` and `writer` outlive the recorder.
std::unique_ptr<ClusterRecorder> make_cluster_recorder(const discovery::ClusterTarget& target,
                                                       RecordingWriter& writer,
                                                       const Redactor& redactor,
                                                       RecorderOptions options);

}  // namespace kmg::record
