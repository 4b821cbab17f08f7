#include "app/targets.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>

#include <spdlog/spdlog.h>

#include "discovery/discover.h"
#include "engine/select.h"
#include "kube/http_client.h"
#include "kube/kube_api.h"
#include "kube/retry.h"
#include "util/errors.h"

namespace kmg::app {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// Appends every request path to a file: the benchmark replays exactly what a gather fetched.
class RecordingKubeApi final : public kube::KubeApi {
 public:
  RecordingKubeApi(std::unique_ptr<kube::KubeApi> inner, const std::string& file)
      : inner_(std::move(inner)), out_(file, std::ios::app) {}
  kube::Response get(const std::string& path) override {
    record(path);
    return inner_->get(path);
  }
  kube::Response stream(const std::string& path, const kube::ChunkSink& sink) override {
    record(path);
    return inner_->stream(path, sink);
  }
  std::string endpoint() const override { return inner_->endpoint(); }

 private:
  void record(const std::string& path) {
    std::lock_guard lock(mutex_);
    out_ << path << '\n';
  }
  std::unique_ptr<kube::KubeApi> inner_;
  std::mutex mutex_;
  std::ofstream out_;
};

// Owns the transport that RetryingKubeApi only borrows.
class RetryingClient final : public kube::KubeApi {
 public:
  RetryingClient(std::unique_ptr<kube::KubeApi> inner, const Deadline* deadline)
      : inner_(std::move(inner)), retry_(*inner_, kube::RetryPolicy{}, deadline) {}
  kube::Response get(const std::string& path) override { return retry_.get(path); }
  kube::Response stream(const std::string& path, const kube::ChunkSink& sink) override {
    return retry_.stream(path, sink);
  }
  std::string endpoint() const override { return retry_.endpoint(); }

 private:
  std::unique_ptr<kube::KubeApi> inner_;
  kube::RetryingKubeApi retry_;
};

}  // namespace

FoundTargets find_targets(const SelectionOptions& selection) {
  discovery::DiscoveryOptions options;
  options.kube_env.kubeconfig = env("KUBECONFIG");
  options.kube_env.home = env("HOME").value_or("");
  options.clusters = selection.clusters;
  options.kubeconfigs = selection.kubeconfigs;
  options.contexts = selection.contexts;
  options.no_kind = selection.no_kind;

  FoundTargets found;
  if (!selection.no_kind) {
    engine::SelectOptions select_options;
    select_options.request_timeout = std::chrono::seconds(selection.request_timeout_seconds);
    auto selected = engine::select_engines(engine::engine_env_from_process(), selection.provider,
                                           select_options);
    options.engines = selected.engines;
    for (const auto& note : selected.notes) found.notes.push_back(note);
  }
  auto result = discovery::discover(options);
  for (const auto& e : result.engines) {
    found.engines.push_back({{"provider", e.provider},
                             {"endpoint", e.endpoint},
                             {"error", e.error},
                             {"containers", e.containers}});
  }
  for (auto& note : result.notes) found.notes.push_back(std::move(note));
  found.errors = std::move(result.errors);
  found.targets = std::move(result.targets);
  // The same cluster name on two engines is two clusters: give each its own folder and manifest
  // entry ("web-e2e@podman", "web-e2e@docker").
  std::map<std::string, int> uses;
  for (const auto& t : found.targets) ++uses[t.name];
  for (auto& t : found.targets) {
    if (uses[t.name] > 1) t.name += "@" + t.provider;
  }
  found.result_engines = std::move(result.engines);
  return found;
}

std::unique_ptr<kube::KubeApi> connect(const discovery::ClusterTarget& target,
                                       const SelectionOptions& selection,
                                       const Deadline* deadline) {
  if (!target.rest || target.rest->server.empty()) return nullptr;
  kube::HttpOptions http;
  http.request_timeout = std::chrono::seconds(selection.request_timeout_seconds);
  http.deadline = deadline;
  std::unique_ptr<kube::KubeApi> api = std::make_unique<RetryingClient>(
      std::make_unique<kube::CurlKubeApi>(*target.rest, http), deadline);
  if (!selection.record_requests.empty()) {
    api = std::make_unique<RecordingKubeApi>(std::move(api), selection.record_requests);
  }
  return api;
}

}  // namespace kmg::app
