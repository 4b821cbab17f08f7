// Hand-written recordings for tests, laid out as record/recording.h documents them: a test says
// what happened (a pod restarting, a namespace deleted, a cluster disappearing) and the builder
// writes the lines and files a recorder would have written.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::testing {

class RecordingBuilder {
 public:
  explicit RecordingBuilder(std::string dir);
  const std::string& dir() const { return dir_; }

  void started(const std::string& at);
  void stopped(const std::string& at, double cpu_user, std::uint64_t peak_rss);
  // A clusters.jsonl line; `nodes` as {"name","role","state","image"} objects.
  void cluster_event(const std::string& at, const std::string& cluster, const std::string& event,
                     const nlohmann::json& nodes = nlohmann::json::array());
  // An ObjectChange line in the cluster's segment `segment`.
  void change(const std::string& cluster, const std::string& at, const std::string& type,
              const std::string& group, const std::string& version, const std::string& resource,
              const nlohmann::json& object, int segment = 1);
  void log_mark(const std::string& cluster, const std::string& at, const nlohmann::json& fields,
                int segment = 1);
  // Raw text appended to a file of the recording (a partial line, a damaged one).
  void append_raw(const std::string& relative, const std::string& text);
  // One instance's log files: <instance>.log.0 when `older` is not empty, and <instance>.log.
  void instance_log(const std::string& cluster, const std::string& ns, const std::string& pod,
                    const std::string& container, const std::string& instance,
                    const std::string& older, const std::string& newer);

 private:
  std::string dir_;
};

// Objects as the API serves them, with what detectors read.
nlohmann::json make_namespace(const std::string& name, const std::string& uid);
nlohmann::json make_node(const std::string& name);
// A pod whose container `container` ran `restarts` times and is waiting in CrashLoopBackOff
// (restarts > 0) or running.
nlohmann::json make_pod(const std::string& ns, const std::string& name, const std::string& uid,
                        const std::string& container, int restarts, const std::string& node);
nlohmann::json make_event(const std::string& ns, const std::string& name,
                          const nlohmann::json& involved, const std::string& reason,
                          const std::string& message, const std::string& at, int count);

}  // namespace kmg::testing

namespace kmg::testing {

// The recording the merge and report tests share: cluster "alpha" (gathered afterwards; a pod
// "gone", crash-looping, deleted at 10:05:00Z; one damaged line) and cluster "beta", deleted at
// 10:10:00.5Z, whose pod shop/api crash-loops (5 restarts: 6 instance logs, the last one cut by the
// recorder) and whose namespace "tmp" (with pod tmp/job-x and its Scheduled event) is deleted. Both
// clusters' lifecycle and beta's second segment end in a partial line. Without stopped.json when
// `killed`.
void write_two_cluster_recording(RecordingBuilder& b, bool killed);

// The joined text of beta's api instance `n` (0..5) as the merge must write it.
std::string beta_api_log(int n);
inline constexpr int kBetaDroppedBytes = 100;

}  // namespace kmg::testing
