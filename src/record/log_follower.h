// Follows every container instance's log from the pod changes the pod watcher sees: a running
// (or already terminated) instance not yet followed gets its own stream (follow=true), and an
// instance that ended before it could be followed (a crash between two pod events) is fetched
// with previous=true, so each instance of a restarting container keeps its log.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "record/recorder_shared.h"
#include "util/timestamps.h"

namespace kmg::record {

// One log to fetch: which instance, and whether the API serves it as the previous one.
struct LogRequest {
  LogInstance instance;
  bool previous = false;
};

// The instances of `pod` (init, regular and ephemeral containers) that have a log to fetch, in
// start order: the last terminated instance before the current one. Pure; tested alone.
std::vector<LogRequest> log_requests_of(const nlohmann::json& pod);

// The API path a request reads: "/api/v1/namespaces/NS/pods/P/log?container=C&timestamps=true"
// with follow=true, or previous=true.
std::string log_path(const LogRequest& request);

// Where a followed log stopped, so that a stream reopened after a lost connection (with
// sinceTime, which the kubelet applies to whole seconds) writes each line once: lines up to the
// last one written are skipped by their timestamp, and those sharing its timestamp by count.
class LogResume {
 public:
  using Sink = std::function<void(std::string_view)>;
  // Passes on what of `text` (complete lines, as LineRedactor emits them) was not written yet.
  void pass(std::string_view text, const Sink& out);
  // sinceTime for the reopened stream (whole seconds, rounded down); "" before any line.
  std::string since_time() const;
  // The stream is being reopened: skip what it repeats.
  void reopen();

 private:
  bool skip(std::optional<EpochNanos> at);

  std::optional<EpochNanos> last_;  // timestamp of the last line written
  int written_at_last_ = 0;         // lines written with that timestamp
  std::optional<EpochNanos> skip_to_;
  int skip_at_last_ = 0;
  bool mid_line_ = false;  // the last piece passed had no '\n' (a line cut at kMaxLine)
  bool dropping_ = false;  // the current line is a repeat
};

// Where the instance a log stream followed is now, as the pod's status says.
enum class InstanceNow { kCurrent, kPrevious, kGone };
InstanceNow locate_instance(const nlohmann::json& pod, const LogInstance& instance);

class LogFollowers {
 public:
  explicit LogFollowers(RecorderShared& shared) : shared_(shared) {}
  // Called for every pod change (any thread); starts the streams it needs on the pool.
  void on_pod(std::string_view type, const nlohmann::json& pod);

 private:
  void follow(const LogRequest& request);
  kube::Response read_once(const LogRequest& request, LogResume& resume,
                           const LogResume::Sink& sink);
  // After a lost connection: where to read the rest of the instance's log (nullopt: nowhere).
  std::optional<LogRequest> resume_request(const LogRequest& request);

  RecorderShared& shared_;
  std::mutex mutex_;
  std::set<std::string> started_;  // container IDs whose log has a stream (open or done)
};

}  // namespace kmg::record
