// What every stream of one cluster's recorder shares: the API clients, where changes go, the
// stop signal, the thread pool and the counters stats() reports.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "kube/kube_api.h"
#include "record/cluster_recorder.h"
#include "record/recording.h"
#include "record/stream_pool.h"
#include "util/deadline.h"

namespace kmg::record {

class RecorderStats {
 public:
  void relisted() { relists_.fetch_add(1, std::memory_order_relaxed); }
  void reconnected() { reconnects_.fetch_add(1, std::memory_order_relaxed); }
  void log_stream_opened() { log_streams_.fetch_add(1, std::memory_order_relaxed); }
  // Whether the last request got an answer, and what went wrong (kept when `error` is empty).
  void reached(bool reachable, const std::string& error = "");
  ClusterRecorderStats snapshot() const;

 private:
  std::atomic<std::uint64_t> relists_{0}, reconnects_{0}, log_streams_{0};
  mutable std::mutex mutex_;
  bool reachable_ = false;
  std::string last_error_;
};

struct RecorderShared {
  std::string cluster;
  RecordingWriter& writer;
  const Redactor& redactor;
  RecorderOptions options;
  // Cancelled by stop(): every transfer checks it at least once a second (libcurl's progress
  // callback), so open streams end promptly whatever the server does.
  Deadline cancel{std::chrono::hours(24 * 365 * 10)};
  std::unique_ptr<kube::KubeApi> requests;  // lists: options.request_timeout
  std::unique_ptr<kube::KubeApi> watches;   // watch_timeout + request_timeout
  std::unique_ptr<kube::KubeApi> logs;      // followed logs: hours
  StopSignal stop;
  StreamPool pool;
  RecorderStats stats;

  RecorderShared(std::string name, RecordingWriter& w, const Redactor& r, RecorderOptions o)
      : cluster(std::move(name)),
        writer(w),
        redactor(r),
        options(o),
        pool(static_cast<std::size_t>(o.max_streams)) {}

  bool stopping() const { return stop.triggered(); }
};

}  // namespace kmg::record
