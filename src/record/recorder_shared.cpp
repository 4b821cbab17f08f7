#include "record/recorder_shared.h"

namespace kmg::record {

void RecorderStats::reached(bool reachable, const std::string& error) {
  std::lock_guard lock(mutex_);
  reachable_ = reachable;
  if (!error.empty()) last_error_ = error;
}

ClusterRecorderStats RecorderStats::snapshot() const {
  ClusterRecorderStats s;
  s.relists = relists_.load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  s.log_streams = log_streams_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  s.reachable = reachable_;
  s.last_error = last_error_;
  return s;
}

}  // namespace kmg::record
