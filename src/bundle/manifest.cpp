#include "bundle/manifest.h"

namespace kmg::bundle {

ClusterRecord& Manifest::cluster(const std::string& name) {
  if (!name.empty()) return record_.clusters[name];
  has_general_ = true;
  return general_;
}

void Manifest::update(const std::function<void(ManifestRecord&)>& change) {
  std::lock_guard lock(mutex_);
  change(record_);
}

void Manifest::update_cluster(const std::string& name,
                              const std::function<void(ClusterRecord&)>& change) {
  std::lock_guard lock(mutex_);
  change(cluster(name));
}

void Manifest::add_request(const std::string& name, const std::string& collector,
                           std::uint64_t bytes) {
  std::lock_guard lock(mutex_);
  auto& stats = cluster(name).collectors[collector];
  stats.requests += 1;
  stats.bytes += bytes;
}

void Manifest::add_failure(const FailedRequest& failure) {
  std::lock_guard lock(mutex_);
  auto& record = cluster(failure.cluster);
  record.collectors[failure.collector].failures += 1;
  record.failures.push_back(failure);
}

void Manifest::add_items(const std::string& name, const std::string& collector, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  cluster(name).collectors[collector].items += n;
}

void Manifest::add_seconds(const std::string& name, const std::string& collector, double seconds) {
  std::lock_guard lock(mutex_);
  cluster(name).collectors[collector].seconds += seconds;
}

void Manifest::add_note(const std::string& name, const std::string& note) {
  std::lock_guard lock(mutex_);
  cluster(name).notes.push_back(note);
}

std::size_t Manifest::failure_count() const {
  std::lock_guard lock(mutex_);
  std::size_t n = general_.failures.size();
  for (const auto& [name, record] : record_.clusters) n += record.failures.size();
  return n;
}

ManifestRecord Manifest::record() const {
  std::lock_guard lock(mutex_);
  ManifestRecord out = record_;
  if (has_general_) out.general = general_;
  return out;
}

nlohmann::json Manifest::to_json() const { return record(); }

}  // namespace kmg::bundle
