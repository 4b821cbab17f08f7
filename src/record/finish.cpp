#include "record/finish.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "record/instance_log.h"
#include "record/last_state.h"
#include "record/reconstruct.h"
#include "record/recording_reader.h"
#include "util/path.h"

namespace kmg::record {
namespace {

namespace fs = std::filesystem;
namespace layout = bundle::layout;
using nlohmann::json;

// The first and last moment a cluster shows in the recording, as written there.
struct Seen {
  EpochNanos first = 0, last = 0;
  std::string first_text, last_text;
  void add(EpochNanos at, const std::string& text) {
    if (at == 0) return;
    if (first == 0 || at < first) std::tie(first, first_text) = std::tie(at, text);
    if (at >= last) std::tie(last, last_text) = std::tie(at, text);
  }
};

// What clusters.jsonl says of one cluster.
struct Lifecycle {
  Seen seen;
  std::optional<std::string> deleted_at;
  std::optional<ClusterEvent> last;  // its last line: provider, endpoint
  std::vector<NodeSeen> nodes;       // of the last line that named any ("disappeared" has none)
};

// Kubernetes drops Events after their TTL (one hour): an expired event is no deletion worth a
// finding, and its whole history is in history/events.jsonl.
bool is_event(const ResourceState& r) {
  return r.resource == "events" && (r.group.empty() || r.group == "events.k8s.io");
}

using MarkKey = std::tuple<std::string, std::string, std::string, std::string>;

class Merge {
 public:
  Merge(fs::path dir, bundle::BundleWriter& writer, bundle::Manifest& manifest,
        const Redactor& redactor)
      : dir_(std::move(dir)), writer_(writer), manifest_(manifest), redactor_(redactor) {}

  MergeResult run(const std::set<std::string>& gathered);

 private:
  void problem(const std::string& what) { record_.problems.push_back(what); }
  ProblemSink sink() {
    return [this](const std::string& what) { problem(what); };
  }
  std::optional<json> read_json(const fs::path& file, bool required);
  void read_start_stop();
  void read_lifecycle();
  void merge_cluster(const std::string& name, const std::string& folder, bool reconstruct);
  void read_segments(const fs::path& cluster_dir, const std::string& name, LastState& state,
                     std::map<MarkKey, std::uint64_t>& dropped, Seen& seen,
                     bundle::RecordedClusterRecord& rec);
  void write_deleted(const std::string& name, const LastState& state,
                     bundle::RecordedClusterRecord& rec);
  void write_logs(const fs::path& cluster_dir, const std::string& name, bool reconstruct,
                  const std::map<MarkKey, std::uint64_t>& dropped,
                  bundle::RecordedClusterRecord& rec);
  void write_manifest(const std::string& name, const bundle::RecordedClusterRecord& rec,
                      bool reconstruct);

  fs::path dir_;
  bundle::BundleWriter& writer_;
  bundle::Manifest& manifest_;
  const Redactor& redactor_;
  bundle::RecordingRecord record_;
  std::map<std::string, Lifecycle> lifecycle_;  // by cluster name
  MergeResult result_;
};

std::optional<json> Merge::read_json(const fs::path& file, bool required) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (required) problem(file.filename().string() + ": missing");
    return std::nullopt;
  }
  std::string text;
  std::ifstream in(file, std::ios::binary);
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    problem(file.filename().string() + ": not a JSON object");
    return std::nullopt;
  }
  return j;
}

void Merge::read_start_stop() {
  if (auto start = read_json(paths::recording_json(dir_), true))
    record_.started_at = start->value("started_at", "");
  const auto stop = read_json(dir_ / "stopped.json", false);
  if (!stop) {
    record_.stopped_at = bundle::kRecordingKilled;
    return;
  }
  const json& j = *stop;
  record_.stopped_at = j.value("stopped_at", "");
  auto number = [&](const char* key, std::optional<double>& out) {
    if (j.contains(key) && j[key].is_number()) out = j[key].get<double>();
  };
  number("wall_seconds", record_.wall_seconds);
  number("cpu_user_seconds", record_.cpu_user_seconds);
  number("cpu_system_seconds", record_.cpu_system_seconds);
  if (j.contains("peak_rss_bytes") && j["peak_rss_bytes"].is_number_unsigned())
    record_.peak_rss_bytes = j["peak_rss_bytes"].get<std::uint64_t>();
}

// clusters.jsonl goes into the bundle as it is (complete lines only), and says when each cluster
// was seen and whether it disappeared.
void Merge::read_lifecycle() {
  const fs::path file = paths::clusters_jsonl(dir_);
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    problem("clusters.jsonl: missing");
    return;
  }
  auto out = writer_.open_stream(layout::recorded_clusters());
  LineCounts counts;
  std::uint64_t line_number = 0;
  for_each_line(
      file,
      [&](std::string_view line) {
        ++line_number;
        const json j = json::parse(line, nullptr, false);
        const auto event = parse_cluster_event(j);
        if (!event) {
          problem("clusters.jsonl: line " + std::to_string(line_number) + " is not a ClusterEvent");
          return;
        }
        if (out) out->write(std::string(line) + "\n");
        Lifecycle& l = lifecycle_[event->cluster];
        const std::string at = j.value("at", "");
        l.seen.add(event->at, at);
        if (event->event == "disappeared") l.deleted_at = at;
        if (event->event == "appeared") l.deleted_at.reset();  // the same name again
        if (!event->nodes.empty()) l.nodes = event->nodes;
        l.last = *event;
      },
      counts, sink());
  record_.partial_lines += counts.partial;
  result_.partial_lines += counts.partial;
}

// Every line of every segment, once: history files get the changes as written, the last state
// takes each version, LogMarks say how much of each instance's log was dropped.
void Merge::read_segments(const fs::path& cluster_dir, const std::string& name, LastState& state,
                          std::map<MarkKey, std::uint64_t>& dropped, Seen& seen,
                          bundle::RecordedClusterRecord& rec) {
  std::map<std::string, std::unique_ptr<bundle::FileStream>> history;  // by resource key
  std::set<std::string> refused;  // histories cut short by the bundle's size budget
  for (const fs::path& segment : object_segments(cluster_dir)) {
    const std::string where = name + "/" + segment.filename().string();
    LineCounts counts;
    for_each_line(
        segment,
        [&](std::string_view text) {
          auto line = parse_segment_line(json::parse(text, nullptr, false));
          if (!line) {
            problem(where + ": line " + std::to_string(counts.lines) + " is not a recorded change");
            return;
          }
          if (line->mark) {
            const LogMark& m = *line->mark;
            auto& n = dropped[{safe_path_component(m.ns), safe_path_component(m.pod),
                               safe_path_component(m.container), safe_path_component(m.instance)}];
            n = std::max(n, m.dropped_bytes);
            seen.add(m.at, line->at_text);
            return;
          }
          ObjectChange& change = *line->change;
          auto& out = history[resource_key(change.group, change.resource)];
          if (!out)
            out =
                writer_.open_stream(layout::recorded_history(name, change.group, change.resource));
          if (out && !out->write(std::string(text) + "\n"))
            refused.insert(resource_key(change.group, change.resource));
          seen.add(change.at, line->at_text);
          ++rec.object_versions;
          state.apply(change, line->at_text);
        },
        counts, sink());
    record_.partial_lines += counts.partial;
    result_.partial_lines += counts.partial;
  }
  for (auto& [key, out] : history)
    if (out) out->close();
  for (const auto& key : refused) problem(name + ": history " + key + " cut by the size budget");
}

// recorded/clusters/<c>/deleted/<key>.json: the last version of each object deleted during the
// run, its deletion time in an annotation (layout.h).
void Merge::write_deleted(const std::string& name, const LastState& state,
                          bundle::RecordedClusterRecord& rec) {
  for (const auto& [key, resource] : state.resources()) {
    if (is_event(resource)) continue;
    json items = json::array();
    for (const ObjectState* s : state.deleted(key)) {
      json object = s->object;
      json& meta = object["metadata"];  // a damaged object may have none, or not an object
      if (!meta.is_object()) meta = json::object();
      if (!meta["annotations"].is_object()) meta["annotations"] = json::object();
      meta["annotations"][std::string(layout::kDeletedAtAnnotation)] = *s->deleted_at;
      items.push_back(std::move(object));
    }
    if (items.empty()) continue;
    rec.deleted_objects += items.size();
    const json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}};
    if (!writer_.write_file(layout::recorded_deleted(name, resource.group, resource.resource),
                            list.dump(1)))
      problem(name + ": deleted " + key + " not written (bundle size budget)");
  }
}

// Every instance goes to recorded/; for a reconstructed cluster, each container's newest instance
// is also its <container>.log and the one before its .previous.log, as a gather would fetch them.
void Merge::write_logs(const fs::path& cluster_dir, const std::string& name, bool reconstruct,
                       const std::map<MarkKey, std::uint64_t>& dropped,
                       bundle::RecordedClusterRecord& rec) {
  const std::vector<InstanceFiles> instances = instance_logs(cluster_dir);
  for (std::size_t i = 0; i < instances.size(); ++i) {
    const InstanceFiles& f = instances[i];
    auto same_container = [&](std::size_t j) {
      return j < instances.size() && instances[j].ns == f.ns && instances[j].pod == f.pod &&
             instances[j].container == f.container;
    };
    std::vector<std::unique_ptr<bundle::FileStream>> streams;
    streams.push_back(
        writer_.open_stream(layout::recorded_log(name, f.ns, f.pod, f.container, f.instance)));
    const bool newest = !same_container(i + 1);
    if (reconstruct && (newest || !same_container(i + 2)))
      streams.push_back(
          writer_.open_stream(layout::container_log(name, f.ns, f.pod, f.container, !newest)));
    std::vector<bundle::FileStream*> outs;
    for (auto& s : streams)
      if (s) outs.push_back(s.get());
    const auto it = dropped.find({f.ns, f.pod, f.container, f.instance});
    if (!write_instance_log(f, it == dropped.end() ? 0 : it->second, outs))
      problem(name + ": log " + f.ns + "/" + f.pod + "/" + f.container + "/" + f.instance +
              " not fully written");
    ++rec.log_instances;
  }
}

void Merge::write_manifest(const std::string& name, const bundle::RecordedClusterRecord& rec,
                           bool reconstruct) {
  const auto life = lifecycle_.find(name);
  manifest_.update_cluster(name, [&](bundle::ClusterRecord& r) {
    r.recorded = rec;
    if (!reconstruct || life == lifecycle_.end() || !life->second.last) return;
    // A cluster the gather did not reach: what the recorder last knew of it. Reachability stays
    // the gather's to say (absent when it never saw the cluster).
    const ClusterEvent& last = *life->second.last;
    if (!r.provider) r.provider = last.provider;
    if (!r.api_endpoint) r.api_endpoint = last.endpoint;
    if (!r.nodes) {
      r.nodes.emplace();
      for (const auto& n : life->second.nodes)
        r.nodes->push_back({n.name, n.role, n.state, n.image});
    }
  });
  if (reconstruct)
    manifest_.add_note(name,
                       "state reconstructed from the recording (last seen " + rec.last_seen + ")");
}

void Merge::merge_cluster(const std::string& name, const std::string& folder, bool reconstruct) {
  const fs::path cluster_dir = dir_ / "clusters" / folder;
  bundle::RecordedClusterRecord rec;
  Seen seen;
  const auto life = lifecycle_.find(name);
  if (life != lifecycle_.end()) {
    seen = life->second.seen;
    rec.deleted_at = life->second.deleted_at;
  }
  LastState state;
  std::map<MarkKey, std::uint64_t> dropped;
  read_segments(cluster_dir, name, state, dropped, seen, rec);
  rec.first_seen = seen.first_text;
  rec.last_seen = seen.last_text;
  rec.reconstructed = reconstruct;
  write_deleted(name, state, rec);
  if (reconstruct) write_last_state(name, state, seen.last, writer_, manifest_, redactor_);
  write_logs(cluster_dir, name, reconstruct, dropped, rec);
  record_.object_versions += rec.object_versions;
  record_.log_instances += rec.log_instances;
  result_.object_versions += rec.object_versions;
  result_.log_instances += rec.log_instances;
  result_.reconstructed += reconstruct ? 1 : 0;
  write_manifest(name, rec, reconstruct);
}

MergeResult Merge::run(const std::set<std::string>& gathered) {
  read_start_stop();
  read_lifecycle();
  // Clusters by name: clusters.jsonl names them; a folder it does not name is its own name.
  std::map<std::string, std::string> folders;
  for (const auto& [name, life] : lifecycle_) folders[name] = safe_path_component(name);
  for (const auto& folder : cluster_folders(dir_)) {
    bool named = false;
    for (const auto& [name, f] : folders) named = named || f == folder;
    if (!named) folders[folder] = folder;
  }
  for (const auto& [name, folder] : folders) {
    // One damaged cluster (an object no writer expects) must not cost the others.
    try {
      merge_cluster(name, folder, gathered.count(name) == 0);
    } catch (const std::exception& e) {
      problem(name + ": merge stopped: " + e.what());
    }
    ++result_.clusters;
  }
  manifest_.update([&](bundle::ManifestRecord& r) { r.recording = record_; });
  return result_;
}

}  // namespace

MergeResult merge_recording(const std::filesystem::path& recording_dir,
                            const std::set<std::string>& gathered, bundle::BundleWriter& writer,
                            bundle::Manifest& manifest, const Redactor& redactor) {
  Merge merge(recording_dir, writer, manifest, redactor);
  return merge.run(gathered);
}

}  // namespace kmg::record
