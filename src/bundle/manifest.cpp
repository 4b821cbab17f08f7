#include "bundle/manifest.h"

namespace kmg::bundle {

void Manifest::set(const std::string& key, nlohmann::json value) {
  std::lock_guard lock(mutex_);
  top_[key] = std::move(value);
}

void Manifest::set_cluster_field(const std::string& cluster, const std::string& key,
                                 nlohmann::json value) {
  std::lock_guard lock(mutex_);
  clusters_[cluster].fields[key] = std::move(value);
}

void Manifest::add_request(const std::string& cluster, const std::string& collector,
                           std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  auto& stats = clusters_[cluster].collectors[collector];
  stats.requests += 1;
  stats.bytes += bytes;
}

void Manifest::add_failure(const FailedRequest& failure) {
  std::lock_guard lock(mutex_);
  auto& record = clusters_[failure.cluster];
  record.collectors[failure.collector].failures += 1;
  record.failures.push_back(failure);
}

void Manifest::add_items(const std::string& cluster, const std::string& collector,
                         std::uint64_t n) {
  std::lock_guard lock(mutex_);
  clusters_[cluster].collectors[collector].items += n;
}

void Manifest::add_seconds(const std::string& cluster, const std::string& collector,
                           double seconds) {
  std::lock_guard lock(mutex_);
  clusters_[cluster].collectors[collector].seconds += seconds;
}

void Manifest::add_note(const std::string& cluster, const std::string& note) {
  std::lock_guard lock(mutex_);
  clusters_[cluster].notes.push_back(note);
}

std::size_t Manifest::failure_count() const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [name, record] : clusters_) n += record.failures.size();
  return n;
}

nlohmann::json Manifest::to_json() const {
  std::lock_guard lock(mutex_);
  // nlohmann::json objects are std::map-backed: keys come out sorted, so the file is
  // deterministic. Arrays keep insertion order (failures in the order they happened).
  nlohmann::json out = top_;
  nlohmann::json clusters = nlohmann::json::object();
  for (const auto& [name, record] : clusters_) {
    nlohmann::json cluster = record.fields;
    nlohmann::json collectors = nlohmann::json::object();
    for (const auto& [collector, stats] : record.collectors) {
      collectors[collector] = {{"requests", stats.requests},
                               {"failures", stats.failures},
                               {"bytes", stats.bytes},
                               {"items", stats.items},
                               {"seconds", stats.seconds}};
    }
    nlohmann::json failures = nlohmann::json::array();
    for (const auto& f : record.failures) {
      failures.push_back({{"collector", f.collector},
                          {"method", f.method},
                          {"path", f.path},
                          {"status", f.status},
                          {"message", f.message}});
    }
    cluster["collectors"] = std::move(collectors);
    cluster["failures"] = std::move(failures);
    cluster["notes"] = record.notes;
    // Work that belongs to no cluster (attachments) is recorded under the empty name and
    // reported as "general", so it never looks like a cluster.
    if (name.empty()) {
      out["general"] = std::move(cluster);
    } else {
      clusters[name] = std::move(cluster);
    }
  }
  out["clusters"] = std::move(clusters);
  return out;
}

}  // namespace kmg::bundle
