#include "record/recording_reader.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

namespace kmg::record {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string text(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <class T>
T number(const json& obj, const char* key) {
  const auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<T>() : T{};
}

EpochNanos at_of(const json& obj) { return parse_rfc3339(text(obj, "at")).value_or(0); }

LogMark parse_mark(const json& line) {
  LogMark m;
  m.at = at_of(line);
  m.ns = text(line, "namespace");
  m.pod = text(line, "pod");
  m.container = text(line, "container");
  m.container_id = text(line, "container_id");
  m.instance = text(line, "instance");
  m.state = text(line, "state");
  m.reason = text(line, "reason");
  m.restart_count = number<int>(line, "restart_count");
  const auto dropped = line.find("dropped_bytes");
  if (dropped != line.end() && dropped->is_number_unsigned())
    m.dropped_bytes = dropped->get<std::uint64_t>();
  return m;
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool folders) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec) == folders) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

bool for_each_line(const fs::path& file, const std::function<void(std::string_view)>& on_line,
                   LineCounts& counts, const ProblemSink& problem) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    problem(file.filename().string() + ": cannot be opened");
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    // getline stops at end of file too: a last line without '\n' was cut by a kill.
    if (in.eof()) {
      if (!line.empty()) ++counts.partial;
      break;
    }
    ++counts.lines;
    on_line(line);
  }
  return true;
}

std::optional<ClusterEvent> parse_cluster_event(const json& line) {
  if (!line.is_object() || text(line, "cluster").empty() || text(line, "event").empty())
    return std::nullopt;
  ClusterEvent e;
  e.at = at_of(line);
  e.cluster = text(line, "cluster");
  e.event = text(line, "event");
  e.provider = text(line, "provider");
  e.endpoint = text(line, "endpoint");
  e.reason = text(line, "reason");
  const auto nodes = line.find("nodes");
  if (nodes != line.end() && nodes->is_array()) {
    for (const auto& n : *nodes) {
      if (!n.is_object()) continue;
      e.nodes.push_back({text(n, "name"), text(n, "role"), text(n, "state"), text(n, "image")});
    }
  }
  return e;
}

std::optional<SegmentLine> parse_segment_line(const json& line) {
  if (!line.is_object()) return std::nullopt;
  SegmentLine out;
  out.at_text = text(line, "at");
  const std::string type = text(line, "type");
  if (type == "LOG") {
    out.mark = parse_mark(line);
    return out;
  }
  const auto object = line.find("object");
  if (type.empty() || text(line, "resource").empty() || object == line.end() ||
      !object->is_object())
    return std::nullopt;
  ObjectChange c;
  c.at = at_of(line);
  c.type = type;
  c.group = text(line, "group");
  c.version = text(line, "version");
  c.resource = text(line, "resource");
  c.object = *object;
  out.change = std::move(c);
  return out;
}

std::vector<fs::path> object_segments(const fs::path& cluster_dir) {
  std::vector<fs::path> out;
  for (auto& p : sorted_entries(cluster_dir, false)) {
    const std::string name = p.filename().string();
    if (name.starts_with("objects-") && name.ends_with(".jsonl")) out.push_back(std::move(p));
  }
  return out;  // zero-padded indexes: name order is index order
}

std::vector<std::string> cluster_folders(const fs::path& recording_dir) {
  std::vector<std::string> out;
  for (const auto& p : sorted_entries(recording_dir / "clusters", true))
    out.push_back(p.filename().string());
  return out;
}

std::vector<InstanceFiles> instance_logs(const fs::path& cluster_dir) {
  using Key = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<Key, InstanceFiles> found;
  for (const auto& ns : sorted_entries(cluster_dir / "logs", true)) {
    for (const auto& pod : sorted_entries(ns, true)) {
      for (const auto& container : sorted_entries(pod, true)) {
        for (const auto& file : sorted_entries(container, false)) {
          std::string name = file.filename().string();
          const bool older = name.ends_with(".log.0");
          if (older) name.resize(name.size() - 2);
          if (!name.ends_with(".log") || name.size() == 4) continue;
          name.resize(name.size() - 4);
          const Key key{ns.filename().string(), pod.filename().string(),
                        container.filename().string(), name};
          InstanceFiles& f = found[key];
          std::tie(f.ns, f.pod, f.container, f.instance) = key;
          (older ? f.older : f.newer) = file;
        }
      }
    }
  }
  std::vector<InstanceFiles> out;
  out.reserve(found.size());
  for (auto& [key, files] : found) out.push_back(std::move(files));
  return out;
}

}  // namespace kmg::record
