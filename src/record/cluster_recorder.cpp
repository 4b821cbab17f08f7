// One cluster's recorder: a thread per watched resource and per followed log (bounded by
// max_streams), each a blocking libcurl request through CurlKubeApi.
//
// Why threads and not one libcurl multi handle: CurlKubeApi already carries every credential
// form, TLS setup and the cancellation check the recorder needs, and its stream() hands chunks
// straight to a sink, so memory stays flat; a multi loop would duplicate all of it. A Kind
// cluster's recorder runs a few dozen streams, where a thread each costs little. stop() cancels
// the shared Deadline, which libcurl's progress callback checks at least once a second, so
// every open stream (even a silent one) ends within about a second and the threads are joined.
#include "record/cluster_recorder.h"

#include <mutex>
#include <set>

#include "kube/http_client.h"
#include "record/log_follower.h"
#include "record/recorder_shared.h"
#include "record/resource_watcher.h"
#include "util/errors.h"

namespace kmg::record {
namespace {

// A followed log may stay open as long as its container runs.
constexpr std::chrono::hours kLogStreamTimeout{24};

std::unique_ptr<kube::KubeApi> make_api(const kube::RestConfig& rest,
                                        std::chrono::milliseconds timeout, const Deadline& cancel) {
  kube::HttpOptions options;
  options.request_timeout = timeout;
  options.deadline = &cancel;
  return std::make_unique<kube::CurlKubeApi>(rest, options);
}

class Recorder final : public ClusterRecorder {
 public:
  Recorder(const discovery::ClusterTarget& target, RecordingWriter& writer,
           const Redactor& redactor, RecorderOptions options)
      : shared_(target.name, writer, redactor, options), logs_(shared_) {
    if (!target.rest) throw Error("cluster " + target.name + ": no credentials to record it with");
    shared_.requests = make_api(*target.rest, options.request_timeout, shared_.cancel);
    shared_.watches =
        make_api(*target.rest, options.watch_timeout + options.request_timeout, shared_.cancel);
    shared_.logs = make_api(*target.rest, kLogStreamTimeout, shared_.cancel);
  }
  ~Recorder() override { stop(); }

  void start() override {
    for (const auto& r : builtin_watched()) watch(r);
  }

  void stop() override {
    shared_.stop.trigger();
    shared_.cancel.cancel();
    shared_.pool.stop_and_join();
  }

  ClusterRecorderStats stats() const override { return shared_.stats.snapshot(); }

 private:
  void watch(const WatchedResource& resource) {
    {
      std::lock_guard lock(mutex_);
      if (never_watched(resource) || !watched_.insert(resource.id()).second) return;
    }
    shared_.pool.submit([this, resource] {
      ResourceWatcher watcher(shared_, resource, observer_for(resource));
      watcher.run();
    });
  }

  ResourceWatcher::Observer observer_for(const WatchedResource& resource) {
    if (resource.group.empty() && resource.resource == "pods") {
      return [this](std::string_view type, const nlohmann::json& pod) { logs_.on_pod(type, pod); };
    }
    if (resource.group == "apiextensions.k8s.io" &&
        resource.resource == "customresourcedefinitions") {
      // Custom resources are watched as their CRDs appear (LISTED, ADDED, or a new version).
      return [this](std::string_view type, const nlohmann::json& crd) {
        if (type == "DELETED") return;
        if (auto cr = custom_resource_of(crd)) watch(*cr);
      };
    }
    return {};
  }

  RecorderShared shared_;
  LogFollowers logs_;
  std::mutex mutex_;
  std::set<std::string> watched_;  // resource ids with a watcher (running or finished)
};

}  // namespace

std::unique_ptr<ClusterRecorder> make_cluster_recorder(const discovery::ClusterTarget& target,
                                                       RecordingWriter& writer,
                                                       const Redactor& redactor,
                                                       RecorderOptions options) {
  return std::make_unique<Recorder>(target, writer, redactor, options);
}

}  // namespace kmg::record
