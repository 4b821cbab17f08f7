// A RecordingWriter that keeps every call in memory, for the recorder's tests.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "record/recording.h"

namespace kmg::testing {

class MemoryWriter final : public record::RecordingWriter {
 public:
  struct Log {
    record::LogInstance instance;
    std::string text;
    std::string close_reason;
    bool closed = false;
  };

  void cluster_event(const record::ClusterEvent&) override {}
  void object(std::string_view cluster, const record::ObjectChange& change) override {
    std::lock_guard lock(mutex_);
    clusters_.emplace_back(cluster);
    changes_.push_back(change);
  }
  std::unique_ptr<record::LogAppender> open_log(std::string_view,
                                                const record::LogInstance& instance) override;
  record::RecordingStats stats() const override { return {}; }

  std::vector<record::ObjectChange> changes() const {
    std::lock_guard lock(mutex_);
    return changes_;
  }
  // "TYPE name rv" for each change of `resource`, in order.
  std::vector<std::string> summary(const std::string& resource) const;
  std::vector<Log> logs() const;

 private:
  class Appender;
  mutable std::mutex mutex_;
  std::vector<std::string> clusters_;
  std::vector<record::ObjectChange> changes_;
  std::vector<std::shared_ptr<Log>> logs_;
};

}  // namespace kmg::testing
