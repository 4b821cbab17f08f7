#include "report/model.h"

#include <algorithm>
#include <set>

#include "bundle/bundle_reader.h"
#include "bundle/layout.h"
#include "bundle/manifest_record.h"
#include "report/detectors/registry.h"
#include "report/node_side.h"
#include "report/signatures.h"
#include "report/test_results.h"
#include "report/traces.h"
#include "util/path.h"
#include "util/text.h"

namespace kmg::report {
namespace {

using nlohmann::json;
namespace layout = bundle::layout;
using Kind = layout::EntryKind;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The built-in lists the detectors read (from their table); the other built-in lists are only
// indexed as files.
bool report_reads_list(const std::string& key) {
  return detect::list_is_read(key) || !is_builtin_list(key);
}

// Parses a List keeping only what the report reads: annotations (last-applied-configuration
// repeats the whole object) and managedFields go while parsing, and custom resources keep their
// metadata and status only. A medium cluster's lists take a third of the memory this way.
std::optional<json> parse_list_items(std::string_view text, bool custom) {
  const json::parser_callback_t slim = [](int, json::parse_event_t event, json& parsed) {
    return !(event == json::parse_event_t::key && parsed.is_string() &&
             (parsed == "annotations" || parsed == "managedFields"));
  };
  json j = json::parse(text, slim, false);
  if (j.is_discarded()) return std::nullopt;
  auto items = j.find("items");
  if (items == j.end() || !items->is_array()) return json::array();
  if (custom) {
    for (auto& obj : *items) {
      if (obj.is_object()) obj.erase("spec");
    }
  }
  return std::move(*items);
}

// Drains the rest of an entry, counting its bytes.
std::uint64_t drain(const bundle::ChunkPull& pull) {
  std::uint64_t n = 0;
  std::string_view chunk;
  while (pull(chunk)) n += chunk.size();
  return n;
}

class Loader {
 public:
  explicit Loader(Model& m) : m_(m) {}

  void entry(const std::string& path, const bundle::ChunkPull& pull) {
    const layout::Entry e = layout::parse(path);
    if (e.kind == Kind::report || e.kind == Kind::report_json) {
      drain(pull);
      return;
    }
    std::uint64_t size = 0;
    if (e.kind == Kind::recorded_history || e.kind == Kind::recorded_deleted) {
      size = recorded(path, e, pull);
    } else if (e.kind == Kind::manifest) {
      std::string text = bundle::read_all(pull);
      size = text.size();
      if (auto j = parse(path, text)) {
        m_.manifest = std::move(*j);
        m_.has_manifest = true;
      }
    } else if (!e.cluster.empty()) {
      size = cluster_entry(path, e, pull);
    } else if (e.kind == Kind::attachment) {
      size = add_test_results(path, pull, m_.tests);  // the format is read from the content
    } else {
      size = drain(pull);
    }
    m_.files.push_back(FileEntry{path, size});
  }

  void finish();

 private:
  std::optional<json> parse(const std::string& path, const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) {
      m_.load_errors.push_back(path + ": not valid JSON");
      return std::nullopt;
    }
    return j;
  }

  // Every file under clusters/<c>/ makes the cluster known, even one the report does not read.
  std::uint64_t cluster_entry(const std::string& path, const layout::Entry& e,
                              const bundle::ChunkPull& pull) {
    ClusterData& c = by_dir_[e.cluster];
    c.dir = e.cluster;
    switch (e.kind) {
      case Kind::version:
      case Kind::event_list:
        return small_json(path, e.kind, c, pull);
      case Kind::list:
        return list(path, e.list_key, c, pull);
      case Kind::container_log:
      case Kind::previous_log: {
        LogInfo& info = c.logs[path];
        info.path = path;
        info.cluster = c.dir;
        info.ns = e.ns;
        info.pod = e.pod;
        info.previous = e.kind == Kind::previous_log;
        info.container = e.container;
        return scan(info, info.ns + "/" + info.pod, pull);
      }
      case Kind::node_file:
        return node_file(path, e, c, pull);
      case Kind::trace: {
        std::string text = bundle::read_all(pull);
        if (auto j = parse(path, text)) add_jaeger_traces(*j, path, m_.traces);
        return text.size();
      }
      default:
        return drain(pull);
    }
  }

  std::uint64_t small_json(const std::string& path, Kind kind, ClusterData& c,
                           const bundle::ChunkPull& pull) {
    std::string text = bundle::read_all(pull);
    if (auto j = parse(path, text)) {
      if (kind == Kind::version)
        c.version = std::move(*j);
      else if (j->contains("items") && (*j)["items"].is_array())
        c.events = std::move((*j)["items"]);
    }
    return text.size();
  }

  std::uint64_t list(const std::string& path, const std::string& key, ClusterData& c,
                     const bundle::ChunkPull& pull) {
    if (!report_reads_list(key)) return drain(pull);
    std::string text = bundle::read_all(pull);
    if (auto items = parse_list_items(text, !is_builtin_list(key))) {
      c.lists[key] = std::move(*items);
    } else {
      m_.load_errors.push_back(path + ": not valid JSON");
    }
    return text.size();
  }

  // node-logs/<node>/<file>.log, not in a subfolder: signatures (no pod, no timeline), and the
  // node side (images, journal lines) of the files that tell it.
  std::uint64_t node_file(const std::string& path, const layout::Entry& e, ClusterData& c,
                          const bundle::ChunkPull& pull) {
    if (e.file.find('/') != std::string::npos || !ends_with(e.file, ".log")) return drain(pull);
    LogInfo info;
    info.path = path;
    info.cluster = c.dir;
    info.container = e.file;
    if (!NodeSideScanner::reads(e.file)) return scan(info, "node/" + e.node, pull);
    NodeSideScanner side(c.node_side[e.node], e.file);
    return scan(info, "node/" + e.node, pull, &side);
  }

  std::uint64_t scan(LogInfo& info, std::string group, const bundle::ChunkPull& pull,
                     NodeSideScanner* side = nullptr) {
    LogScanner scanner(info, m_.signatures, std::move(group));
    std::uint64_t n = 0;
    std::string_view chunk;
    while (pull(chunk)) {
      n += chunk.size();
      scanner.feed(chunk);
      if (side != nullptr) side->feed(chunk);
    }
    scanner.finish();
    if (side != nullptr) side->finish();
    return n;
  }

  // What the report reads of a recording: the core Events' history (the timeline spans the run)
  // and the deleted pods (the pod detectors examine them). The rest is only indexed as files.
  std::uint64_t recorded(const std::string& path, const layout::Entry& e,
                         const bundle::ChunkPull& pull) {
    ClusterData& c = by_dir_[e.cluster];
    c.dir = e.cluster;
    if (e.kind == Kind::recorded_deleted && e.list_key == "pods") {
      std::string text = bundle::read_all(pull);
      // Parsed whole: the deletion time is an annotation (parse_list_items drops those).
      if (auto j = parse(path, text); j && at_path(*j, {"items"}).is_array())
        c.deleted_pods = std::move((*j)["items"]);
      return text.size();
    }
    if (e.kind != Kind::recorded_history || e.list_key != "events") return drain(pull);
    return event_history(path, recorded_events_[e.cluster], pull);
  }

  // history/events.jsonl, streamed a line at a time: the last version of each Event.
  std::uint64_t event_history(const std::string& path, std::map<std::string, json>& last,
                              const bundle::ChunkPull& pull) {
    std::uint64_t n = 0;
    std::string line;
    bool bad = false;
    auto take = [&] {
      json j = json::parse(line, nullptr, false);
      line.clear();
      const json& event = at_path(j, {"object"});
      if (!event.is_object()) return void(bad = true);
      const json& meta = at_path(event, {"metadata"});
      std::string key = str(meta, "uid");
      if (key.empty()) key = str(meta, "namespace") + "/" + str(meta, "name");
      last[key] = event;
    };
    std::string_view chunk;
    while (pull(chunk)) {
      n += chunk.size();
      for (std::size_t nl; (nl = chunk.find('\n')) != std::string_view::npos;) {
        line.append(chunk.substr(0, nl));
        chunk.remove_prefix(nl + 1);
        take();
      }
      line.append(chunk);
    }
    if (!line.empty()) take();
    if (bad) m_.load_errors.push_back(path + ": a line is not a recorded change");
    return n;
  }

  Model& m_;
  std::map<std::string, ClusterData> by_dir_;
  std::map<std::string, std::map<std::string, json>> recorded_events_;  // by cluster dir, uid
};

// The recorded Events events.json does not hold already, in uid order.
void add_recorded_events(ClusterData& c, std::map<std::string, json> recorded) {
  for (const auto& ev : c.events) recorded.erase(str(at_path(ev, {"metadata"}), "uid"));
  for (auto& [uid, ev] : recorded) c.recorded_events.push_back(std::move(ev));
}

void rename_cluster(ClusterData& c, const std::string& name) {
  c.name = name;
  for (auto& [path, log] : c.logs) {
    log.cluster = name;
    for (auto& e : log.errors) e.cluster = name;
    for (auto& e : log.network) e.cluster = name;
  }
}

void Loader::finish() {
  // Folders are read in sorted order and archives are written sorted, but do not rely on it.
  std::sort(m_.files.begin(), m_.files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  std::stable_sort(m_.tests.cases.begin(), m_.tests.cases.end(),
                   [](const TestCase& a, const TestCase& b) { return a.file < b.file; });
  std::sort(m_.tests.files.begin(), m_.tests.files.end());
  for (auto& [dir, events] : recorded_events_) add_recorded_events(by_dir_[dir], std::move(events));
  const auto manifest = m_.manifest.get<bundle::ManifestRecord>();
  if (manifest.finished_at) m_.now = parse_rfc3339(*manifest.finished_at);
  for (const auto& [name, record] : manifest.clusters) {
    ClusterData c;
    auto it = by_dir_.find(safe_path_component(name));
    if (it != by_dir_.end()) {
      c = std::move(it->second);
      by_dir_.erase(it);
    }
    c.info = at_path(m_.manifest, {"clusters"}).at(name);
    c.in_manifest = true;
    rename_cluster(c, name);
    m_.clusters[name] = std::move(c);
  }
  for (auto& [dir, c] : by_dir_) {
    rename_cluster(c, dir);
    m_.clusters.emplace(dir, std::move(c));
  }
}

}  // namespace

bool is_builtin_list(const std::string& key) {
  // List files are "<resource>" (core group) or "<resource>.<group>". Kubernetes' own groups are
  // listed here; any other group (gateway.networking.k8s.io included) is served by a CRD.
  static const std::set<std::string, std::less<>> builtin_groups{"apps",
                                                                 "batch",
                                                                 "policy",
                                                                 "autoscaling",
                                                                 "admissionregistration.k8s.io",
                                                                 "apiextensions.k8s.io",
                                                                 "apiregistration.k8s.io",
                                                                 "certificates.k8s.io",
                                                                 "coordination.k8s.io",
                                                                 "discovery.k8s.io",
                                                                 "events.k8s.io",
                                                                 "flowcontrol.apiserver.k8s.io",
                                                                 "internal.apiserver.k8s.io",
                                                                 "networking.k8s.io",
                                                                 "node.k8s.io",
                                                                 "rbac.authorization.k8s.io",
                                                                 "resource.k8s.io",
                                                                 "scheduling.k8s.io",
                                                                 "storage.k8s.io",
                                                                 "storagemigration.k8s.io"};
  const auto dot = key.find('.');
  if (dot == std::string::npos) return true;
  return builtin_groups.count(std::string_view(key).substr(dot + 1)) > 0;
}

std::string deleted_at(const json& pod) {
  const std::string key(layout::kDeletedAtAnnotation);
  return str(at_path(pod, {"metadata", "annotations"}), key.c_str());
}

const json& ClusterData::items(const std::string& list) const {
  static const json empty = json::array();
  auto it = lists.find(list);
  return it == lists.end() ? empty : it->second;
}

const json& at_path(const json& obj, std::initializer_list<const char*> path) {
  static const json null_value;
  const json* cur = &obj;
  for (const char* key : path) {
    if (!cur->is_object()) return null_value;
    auto it = cur->find(key);
    if (it == cur->end()) return null_value;
    cur = &*it;
  }
  return *cur;
}

std::string str(const json& obj, const char* field) {
  if (!obj.is_object()) return {};
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

std::optional<EpochNanos> json_time(const json& obj, const char* field) {
  const std::string s = str(obj, field);
  if (s.empty()) return std::nullopt;
  return parse_rfc3339(s);
}

std::string pod_key(const json& pod) {
  return str(at_path(pod, {"metadata"}), "namespace") + "/" +
         str(at_path(pod, {"metadata"}), "name");
}

Model load_model(const std::string& bundle_path) {
  Model m;
  Loader loader(m);
  bundle::visit_bundle(bundle_path, [&](const std::string& path, const bundle::ChunkPull& pull) {
    loader.entry(path, pull);
  });
  loader.finish();
  return m;
}

}  // namespace kmg::report
