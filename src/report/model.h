// The facts read from a bundle, loaded in one streamed pass. Big inputs (logs) are reduced while
// streaming (tail lines, error lines, signatures); small JSON files are kept parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/timestamps.h"

namespace kmg::report {

// One error-looking line from a container or node log.
struct ErrorLine {
  std::optional<EpochNanos> time;
  std::string cluster, ns, pod, container;  // pod empty for node logs (container = file)
  std::string text;                         // without the timestamp prefix
  std::string path;                         // bundle-relative log file
};

// A group of similar error lines: numbers, addresses and ids masked away.
struct Signature {
  std::string signature;
  std::size_t count = 0;
  std::set<std::string> pods;  // "ns/pod" (or "node/<node>")
  std::optional<EpochNanos> first_seen, last_seen;
  std::string sample;
};

// What is kept of one container log file.
struct LogInfo {
  std::string path;
  std::string cluster, ns, pod, container;
  bool previous = false;
  bool truncated = false;
  std::size_t lines = 0;
  std::deque<std::string> tail;    // last lines (timestamps stripped)
  std::vector<ErrorLine> errors;   // last error lines of this log (capped)
  std::vector<ErrorLine> network;  // lines naming a connection failure (capped)
};

struct SpanInfo {
  std::string trace_id, span_id, service, operation, message;
  EpochNanos start = 0;
  std::int64_t duration_us = 0;
  bool error = false;
  std::string parent_span_id;  // CHILD_OF reference, empty for a root span
  std::string ns;              // process tag k8s.namespace.name, when the SDK sets it
  // The tags that say what failed and whom the span called (http.status_code, otel.status_code,
  // peer.service, net.peer.name, ...), in a fixed order; see kKeptSpanTags in traces.cpp.
  std::vector<std::pair<std::string, std::string>> tags;
};

struct TraceInfo {
  std::string trace_id, root_service, root_operation, source;  // source = bundle path
  EpochNanos start = 0;
  std::int64_t duration_us = 0;
  std::size_t spans = 0;
  std::size_t error_spans = 0;
};

struct TraceData {
  std::map<std::string, std::set<std::string>> services_traces;  // service -> trace ids
  std::map<std::string, TraceInfo> traces;                       // by trace id
  std::vector<SpanInfo> error_spans;
  // A trace is fetched once per service it touches; its spans are counted once.
  std::set<std::pair<std::string, std::string>> seen_error_spans;  // trace id, span id
};

struct TestCase {
  std::string suite, name, classname, status;  // status: passed|failed|error|skipped
  std::string message;                         // first line of failure/error
  // The whole failure text (capped, see kTestDetailCap): the objects a failed test mentions are
  // looked for here, as its first line often only says "Timed out after 120s".
  std::string detail;
  double seconds = 0;
  std::optional<EpochNanos> time;  // start: the format's own, or suite timestamp + preceding tests
  std::optional<EpochNanos> end;   // finish: the format's own, or time + seconds
  std::string file;
};

struct TestData {
  std::vector<TestCase> cases;
  std::vector<std::string> files;
  std::vector<std::string> parse_errors;
};

// One line of a node's journal the node-side diagnosis quotes.
struct NodeLine {
  std::string file;  // "kubelet.log", "containerd.log", "journal.log"
  std::string text;  // the journal line, shortened
};

// An image the kubelet's journal says a container waits for (pull refused, failed or backing off).
struct ImageWait {
  std::string image;   // as the pod spec names it
  std::string reason;  // ErrImageNeverPull, ErrImagePull, ImagePullBackOff
  NodeLine line;       // the last line that said so
};

// What a node's own files (node-logs/<node>/) say: the source of truth when the API server is
// down. Journal lines are kept capped (see node_side.cpp).
struct NodeSide {
  bool has_images = false;       // images.log was gathered and parsed
  std::set<std::string> images;  // references containerd holds, normalized (see normalize_image)
  std::vector<ImageWait> image_waits;
  std::vector<NodeLine> import_failures;  // failed `ctr images import` / content writes
  std::vector<NodeLine> containerd_errors, kubelet_errors;
};

struct ClusterData {
  std::string dir;   // folder name under clusters/
  std::string name;  // manifest name (dir if the manifest does not list it)
  nlohmann::json info = nlohmann::json::object();  // manifest.clusters[name]
  nlohmann::json version = nlohmann::json::object();
  std::map<std::string, nlohmann::json> lists;  // "pods", "deployments.apps" -> items array
  nlohmann::json events = nlohmann::json::array();
  std::map<std::string, LogInfo> logs;        // by path
  std::map<std::string, NodeSide> node_side;  // by node name
  bool in_manifest = false;
  // From a flight recording merged into the bundle (recorded/, bundle/layout.h), empty without:
  // the last version of each core Event the recorder saw that events.json does not hold (expired
  // or in a namespace deleted during the run), and the pods deleted during the run (last version,
  // deletion time in the layout::kDeletedAtAnnotation annotation).
  nlohmann::json recorded_events = nlohmann::json::array();
  nlohmann::json deleted_pods = nlohmann::json::array();

  const nlohmann::json& items(const std::string& list) const;
};

// When a pod of ClusterData::deleted_pods was deleted (RFC 3339), "" for any other pod.
std::string deleted_at(const nlohmann::json& pod);

// Lists of Kubernetes' own kinds (pods, configmaps...); any other list holds custom resources.
bool is_builtin_list(const std::string& key);

struct FileEntry {
  std::string path;
  std::uint64_t size = 0;
};

struct Model {
  nlohmann::json manifest = nlohmann::json::object();
  bool has_manifest = false;
  std::optional<EpochNanos> now;                // manifest finished_at
  std::map<std::string, ClusterData> clusters;  // by name
  std::vector<FileEntry> files;
  std::map<std::string, Signature> signatures;
  TraceData traces;
  TestData tests;
  std::vector<std::string> load_errors;  // files that could not be parsed
};

Model load_model(const std::string& bundle_path);

// Pod key helpers shared by the analysis files.
std::string pod_key(const nlohmann::json& pod);  // "ns/name"
std::optional<EpochNanos> json_time(const nlohmann::json& obj, const char* field);
std::string str(const nlohmann::json& obj, const char* field);
const nlohmann::json& at_path(const nlohmann::json& obj, std::initializer_list<const char*> path);

}  // namespace kmg::report
