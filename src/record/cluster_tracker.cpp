#include "record/cluster_tracker.h"

#include <set>

#include <spdlog/spdlog.h>

#include "record/recording_writer.h"

namespace kmg::record {
namespace {

ClusterEvent make_event(const discovery::ClusterTarget& target, std::string event,
                        std::string reason) {
  ClusterEvent e;
  e.at = now_nanos();
  e.cluster = target.name;
  e.event = std::move(event);
  e.provider = target.provider;
  e.endpoint = target.rest ? target.rest->server : "";
  for (const auto& n : target.nodes) e.nodes.push_back({n.name, n.role, n.state, n.image});
  e.reason = std::move(reason);
  return e;
}

void add_stats(ClusterRecorderStats& total, const ClusterRecorderStats& more) {
  total.relists += more.relists;
  total.reconnects += more.reconnects;
  total.log_streams += more.log_streams;
  total.reachable = more.reachable;
  if (!more.last_error.empty()) total.last_error = more.last_error;
}

}  // namespace

nlohmann::json to_json(const ClusterRecorderStats& s) {
  return {{"relists", s.relists},
          {"reconnects", s.reconnects},
          {"log_streams", s.log_streams},
          {"reachable", s.reachable},
          {"last_error", s.last_error}};
}

ClusterTracker::ClusterTracker(RecordingWriter& writer, ReachabilityProbe probe,
                               RecorderFactory factory)
    : writer_(writer), probe_(std::move(probe)), factory_(std::move(factory)) {}

ClusterTracker::~ClusterTracker() { stop_all(); }

void ClusterTracker::emit(const discovery::ClusterTarget& target, std::string event,
                          std::string reason) {
  spdlog::info("cluster {}: {}{}", target.name, event, reason.empty() ? "" : ": " + reason);
  writer_.cluster_event(make_event(target, std::move(event), std::move(reason)));
}

void ClusterTracker::update(const std::vector<discovery::ClusterTarget>& visible) {
  std::set<std::string> seen;
  for (const auto& target : visible) {
    seen.insert(target.name);
    auto [it, added] = clusters_.try_emplace(target.name);
    if (added) emit(target, "appeared", "");
    // The latest view: nodes and endpoint change when a cluster is recreated under its name.
    it->second.target = target;
    check(it->second);
  }
  for (auto it = clusters_.begin(); it != clusters_.end();) {
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    stop_recorder(it->second);
    emit(it->second.target, "disappeared", "no longer found by discovery");
    it = clusters_.erase(it);
  }
}

namespace {

// Who the cluster's API server is: a cluster recreated under its name has new credentials or a
// new port, and its resourceVersions start over.
std::string api_identity(const discovery::ClusterTarget& target) {
  if (!target.rest) return "";
  const auto& r = *target.rest;
  return r.server + "\n" + r.ca_pem + "\n" + r.client_cert_pem + "\n" + r.token;
}

}  // namespace

// Probes the cluster; starts its recorder when it first answers, and a new one when it answers
// as another API server. An API server that goes away keeps its recorder: the watches resume
// from their last resourceVersion (or re-list after 410) when it is back, so nothing is
// recorded twice, as a new recorder's first list would.
void ClusterTracker::check(Tracked& tracked) {
  const std::string problem = probe_(tracked.target);
  const bool reachable = problem.empty();
  if (tracked.probed && reachable == tracked.reachable) return;
  tracked.probed = true;
  tracked.reachable = reachable;
  if (!reachable) {
    emit(tracked.target, "unreachable", problem);
    return;
  }
  emit(tracked.target, "reachable", "");
  const std::string identity = api_identity(tracked.target);
  if (tracked.recorder && tracked.identity == identity) return;
  stop_recorder(tracked);
  tracked.identity = identity;
  try {
    tracked.recorder = factory_(tracked.target);
    if (tracked.recorder) tracked.recorder->start();
  } catch (const std::exception& e) {
    // One cluster's recorder failing must not end the recording of the others.
    spdlog::error("cluster {}: cannot start recording: {}", tracked.target.name, e.what());
    tracked.recorder.reset();
  }
}

void ClusterTracker::stop_recorder(Tracked& tracked) {
  if (!tracked.recorder) return;
  try {
    tracked.recorder->stop();
    add_stats(finished_[tracked.target.name], tracked.recorder->stats());
  } catch (const std::exception& e) {
    spdlog::error("cluster {}: stopping its recorder: {}", tracked.target.name, e.what());
  }
  tracked.recorder.reset();
}

void ClusterTracker::stop_all() {
  for (auto& [name, tracked] : clusters_) stop_recorder(tracked);
}

nlohmann::json ClusterTracker::stats() const {
  std::map<std::string, ClusterRecorderStats> total = finished_;
  for (const auto& [name, tracked] : clusters_) {
    auto& t = total[name];
    if (tracked.recorder) add_stats(t, tracked.recorder->stats());
    t.reachable = tracked.reachable;
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, s] : total) out[name] = to_json(s);
  return out;
}

std::size_t ClusterTracker::recording_count() const {
  std::size_t n = 0;
  for (const auto& [name, tracked] : clusters_) n += tracked.recorder ? 1 : 0;
  return n;
}

}  // namespace kmg::record
