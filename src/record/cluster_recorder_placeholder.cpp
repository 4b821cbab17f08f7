// PLACEHOLDER until the watchers branch merges: the lead deletes this file at merge, when the real
// make_cluster_recorder arrives. It keeps the `record` branch linking: a recorder that records
// nothing.
#include <spdlog/spdlog.h>

#include "record/cluster_recorder.h"

namespace kmg::record {
namespace {

class NullClusterRecorder : public ClusterRecorder {
 public:
  explicit NullClusterRecorder(std::string name) : name_(std::move(name)) {}
  void start() override {
    spdlog::warn("cluster {}: placeholder recorder, no watches (watchers branch not merged)",
                 name_);
  }
  void stop() override {}
  ClusterRecorderStats stats() const override { return {}; }

 private:
  std::string name_;
};

}  // namespace

std::unique_ptr<ClusterRecorder> make_cluster_recorder(const discovery::ClusterTarget& target,
                                                       RecordingWriter& /*writer*/,
                                                       const Redactor& /*redactor*/,
                                                       RecorderOptions /*options*/) {
  return std::make_unique<NullClusterRecorder>(target.name);
}

}  // namespace kmg::record
