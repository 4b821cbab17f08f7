#include <cstdio>

#include "record/recording.h"
#include "util/path.h"

namespace kmg::record {

namespace paths {

std::filesystem::path recording_json(const std::filesystem::path& dir) {
  return dir / "recording.json";
}

std::filesystem::path clusters_jsonl(const std::filesystem::path& dir) {
  return dir / "clusters.jsonl";
}

std::filesystem::path cluster_dir(const std::filesystem::path& dir, std::string_view cluster) {
  return dir / "clusters" / safe_path_component(cluster);
}

std::filesystem::path object_segment(const std::filesystem::path& dir, std::string_view cluster,
                                     int index) {
  char name[32];
  std::snprintf(name, sizeof name, "objects-%06d.jsonl", index);
  return cluster_dir(dir, cluster) / name;
}

std::filesystem::path log_file(const std::filesystem::path& dir, std::string_view cluster,
                               std::string_view ns, std::string_view pod,
                               std::string_view container, std::string_view instance) {
  return cluster_dir(dir, cluster) / "logs" / safe_path_component(ns) / safe_path_component(pod) /
         safe_path_component(container) / (safe_path_component(instance) + ".log");
}

std::filesystem::path recording_dir_for(const std::filesystem::path& output) {
  return std::filesystem::path(output.string() + ".recording");
}

}  // namespace paths

std::string LogInstance::name() const {
  char count[16];
  std::snprintf(count, sizeof count, "%04d", restart_count);
  // "containerd://0123..." -> the hash after the scheme
  const auto scheme = container_id.find("://");
  const std::string id =
      scheme == std::string::npos ? container_id : container_id.substr(scheme + 3);
  return std::string(count) + "-" + (id.empty() ? std::string("unknown") : id.substr(0, 12));
}

}  // namespace kmg::record
