// The fake apiserver's in-memory cluster: the resource catalogue (built-in kinds plus every CRD of
// the scenario), the objects, container logs and Jaeger traces behind service proxies.
//
// Loading (load_scenario, add_*, finalize) is single-threaded. After finalize() the catalogue is
// fixed and everything else is thread-safe: objects change through apply/update/remove, each change
// bumps the resourceVersion, stamps it on the object and is kept in a bounded history that watches
// replay (as the apiserver's watch cache does). Waiters (watches, log follows) block on one
// condition variable that every change notifies.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::fakeapi {

using nlohmann::json;
// Stored objects are immutable once published; a change stores a new one, so readers can hold a
// snapshot without a lock.
using ObjectPtr = std::shared_ptr<const json>;

struct ResourceInfo {
  std::string group;  // "" for core
  std::string version;
  std::string plural;
  std::string singular;
  std::string kind;
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> subresources;  // "log", "status", "proxy", "scale"
  bool custom = false;
  json printer_columns = json::array();  // CRD additionalPrinterColumns of this version

  std::string group_version() const { return group.empty() ? version : group + "/" + version; }
  // "pods" for core, "deployments.apps" otherwise (the form Status messages use).
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
  std::string key() const { return group + "/" + plural; }
};

struct LogStream {
  std::string ns, pod, container;
  bool previous = false;
  std::vector<std::string> lines;  // each "RFC3339Nano text"
  // Which container instance wrote it; a restart starts a new one. A follow ends when the instance
  // it follows is no longer the current one or has terminated (its pod deleted).
  std::uint64_t instance = 0;
  bool terminated = false;
};

struct JaegerBackend {
  std::string ns, service;
  int port = 16686;
  std::vector<json> traces;  // Jaeger UI trace objects
};

// One entry of the change history: the object after the change (for DELETED, its last state with
// the deletion's resourceVersion) and before it (null for ADDED), for selector transitions.
struct Change {
  std::int64_t rv = 0;
  std::string type;  // ADDED, MODIFIED, DELETED
  std::string resource_key;
  ObjectPtr object;
  ObjectPtr previous;
};

// What a watch starting after `rv` gets: the changes since, or `expired` when rv predates the
// retained history (floor: the oldest rv a watch may still resume from).
struct ChangesSince {
  bool expired = false;
  std::int64_t floor = 0;
  std::int64_t current = 0;
  std::vector<Change> changes;
};

class Store {
 public:
  Store();
  // Merges one scenario document (see README in this folder). `source` names it in errors.
  void load_scenario(const json& scenario, const std::string& source);
  void add_object(json object);
  void add_log(LogStream log) { logs_.push_back(std::move(log)); }
  void add_jaeger(JaegerBackend backend) { jaeger_.push_back(std::move(backend)); }
  // Call once after loading: registers CRD resources, files objects, derives events.k8s.io events.
  void finalize();

  // The catalogue (fixed after finalize, so pointers stay valid).
  const std::vector<ResourceInfo>& resources() const { return resources_; }
  // Group names in discovery order (core excluded), with their versions.
  std::vector<std::pair<std::string, std::vector<std::string>>> groups() const;
  const ResourceInfo* find(const std::string& group, const std::string& version,
                           const std::string& plural) const;
  // The resource of an object's apiVersion and kind; nullptr when none is served.
  const ResourceInfo* resolve(const std::string& api_version, const std::string& kind) const;

  // Snapshot of a resource's objects sorted by namespace/name (etcd key order), and the
  // resourceVersion it is consistent with.
  std::vector<ObjectPtr> objects(const ResourceInfo& resource,
                                 std::int64_t* resource_version = nullptr) const;
  ObjectPtr get(const ResourceInfo& resource, const std::string& ns, const std::string& name) const;
  std::optional<LogStream> find_log(const std::string& ns, const std::string& pod,
                                    const std::string& container, bool previous) const;
  const JaegerBackend* find_jaeger(const std::string& ns, const std::string& service) const;
  std::int64_t resource_version() const;
  const json& server_version_overrides() const { return server_version_; }
  std::size_t object_count() const;

  // --- changes (store_changes.cpp) ---
  // Creates or replaces (ADDED / MODIFIED). Throws kmg::Error for a kind no resource serves.
  ObjectPtr apply(json object);
  // Read-modify-write under the lock: `edit` gets a copy of the current object (null if absent)
  // and returns false to leave it alone. Returns the stored object, or nullptr.
  ObjectPtr update(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                   const std::function<bool(json&)>& edit);
  // DELETED; returns the deleted object's last state, or nullptr when there was none.
  ObjectPtr remove(const ResourceInfo& resource, const std::string& ns, const std::string& name);
  // The changes of `resource_key` after rv (all resources when empty).
  ChangesSince changes_since(std::int64_t rv, const std::string& resource_key) const;
  void set_history_limit(std::size_t changes);
  // Forgets the history (an etcd compaction): a watch resuming from an older rv gets 410.
  void compact();

  // --- logs (store_changes.cpp) ---
  // Appends to the container's current instance (created when absent).
  void append_log(const std::string& ns, const std::string& pod, const std::string& container,
                  const std::vector<std::string>& lines);
  // A copy of the container's current log; an empty one is started when there is none yet.
  LogStream current_log(const std::string& ns, const std::string& pod,
                        const std::string& container);
  // The current log becomes the previous one; a new, empty instance starts.
  void restart_log(const std::string& ns, const std::string& pod, const std::string& container);
  // Lines of the current instance from index `from`, if it is still `instance`; nullopt when
  // that instance has ended (restarted or terminated).
  std::optional<std::vector<std::string>> log_lines_since(std::uint64_t instance,
                                                          std::size_t from) const;

  // --- waiting ---
  // A counter bumped by every change and by wake_all().
  std::uint64_t sequence() const;
  // Blocks until sequence() differs from `seen` or `timeout` passes; returns the sequence.
  std::uint64_t wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const;
  // Wakes every waiter (server stop or outage) so it can look at its own exit condition.
  void wake_all();

 private:
  void add_builtin(ResourceInfo info);
  const ResourceInfo* find_by_kind(const std::string& group, const std::string& kind) const;
  void register_crds();
  void file_pending();
  // Stamps rv, stores (or erases, for DELETED) and records the change; caller holds mutex_.
  ObjectPtr commit_locked(const ResourceInfo& r, const std::string& type, json object,
                          ObjectPtr previous);
  void record_locked(Change change);
  LogStream* current_log_locked(const std::string& ns, const std::string& pod,
                                const std::string& container);
  // The current log, started afresh when absent or ended with a deleted pod.
  LogStream* live_log_locked(const std::string& ns, const std::string& pod,
                             const std::string& container);
  void end_pod_logs_locked(const std::string& ns, const std::string& pod);

  std::vector<ResourceInfo> resources_;
  std::vector<json> pending_;
  // ResourceInfo::key() -> "namespace/name" -> object; map order is etcd key order.
  std::map<std::string, std::map<std::string, ObjectPtr>> objects_;
  std::vector<LogStream> logs_;
  std::vector<JaegerBackend> jaeger_;
  json server_version_ = json::object();
  std::int64_t resource_version_ = 1000;
  bool finalized_ = false;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t sequence_ = 0;
  std::uint64_t next_instance_ = 1;
  std::deque<Change> history_;
  std::size_t history_limit_ = 1000;
  std::int64_t history_floor_ = 0;
};

// "group/version" of an apiVersion string ("v1" -> {"", "v1"}).
std::pair<std::string, std::string> split_api_version(const std::string& api_version);
// "namespace/name" of an object (the store's and the continue token's key).
std::string object_key(const json& object);
// A watch event's object and a stored object's timestamps: "now" in RFC 3339.
std::string now_rfc3339();
// events.k8s.io/v1 form of a core/v1 Event (same metadata, renamed fields).
json to_events_v1(const json& core_event);

}  // namespace kmg::fakeapi
