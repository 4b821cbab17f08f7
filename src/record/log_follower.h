// Follows every container instance's log from the pod changes the pod watcher sees: a running
// (or already terminated) instance not yet followed gets its own stream (follow=true), and an
// instance that ended before it could be followed (a crash between two pod events) is fetched
// with previous=true, so each instance of a restarting container keeps its log.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "record/recorder_shared.h"

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

class LogFollowers {
 public:
  explicit LogFollowers(RecorderShared& shared) : shared_(shared) {}
  // Called for every pod change (any thread); starts the streams it needs on the pool.
  void on_pod(std::string_view type, const nlohmann::json& pod);

 private:
  void follow(const LogRequest& request);

  RecorderShared& shared_;
  std::mutex mutex_;
  std::set<std::string> started_;  // container IDs whose log has a stream (open or done)
};

}  // namespace kmg::record
