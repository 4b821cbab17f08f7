// Follows the life of every cluster while `record` runs: fed the clusters visible at each poll, it
// writes ClusterEvent lines (appeared, reachable, unreachable, disappeared) and keeps one
// ClusterRecorder running per reachable cluster, stopping it when its cluster goes away or stops
// answering and starting a new one when it is back.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "discovery/cluster_target.h"
#include "record/cluster_recorder.h"
#include "record/recording.h"

namespace kmg::record {

// Empty when the cluster answers; otherwise why not ("connection refused", "stopped control
// plane"). Called from the tracker's thread only.
using ReachabilityProbe = std::function<std::string(const discovery::ClusterTarget&)>;
using RecorderFactory =
    std::function<std::unique_ptr<ClusterRecorder>(const discovery::ClusterTarget&)>;

class ClusterTracker {
 public:
  ClusterTracker(RecordingWriter& writer, ReachabilityProbe probe, RecorderFactory factory);
  ~ClusterTracker();
  ClusterTracker(const ClusterTracker&) = delete;
  ClusterTracker& operator=(const ClusterTracker&) = delete;

  // One poll: `visible` are the clusters discovery sees now.
  void update(const std::vector<discovery::ClusterTarget>& visible);
  // Stops every recorder (at the end of the recording).
  void stop_all();
  // {NAME: ClusterRecorderStats as JSON} summed over each cluster's recorders, for stopped.json.
  nlohmann::json stats() const;
  std::size_t recording_count() const;

 private:
  struct Tracked {
    discovery::ClusterTarget target;
    bool reachable = false;
    bool probed = false;
    std::unique_ptr<ClusterRecorder> recorder;
    std::string identity;  // the API server the recorder was started for (api_identity)
  };

  void emit(const discovery::ClusterTarget& target, std::string event, std::string reason);
  void check(Tracked& tracked);
  void stop_recorder(Tracked& tracked);

  RecordingWriter& writer_;
  ReachabilityProbe probe_;
  RecorderFactory factory_;
  std::map<std::string, Tracked> clusters_;
  std::map<std::string, ClusterRecorderStats> finished_;  // of recorders already stopped
};

nlohmann::json to_json(const ClusterRecorderStats& stats);

}  // namespace kmg::record
