// Request helpers every collector uses: each request is counted in the manifest, each failure is
// recorded there (never thrown), and JSON that does not parse is a failure like any other.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "collectors/collector.h"

namespace kmg::collectors {

// GET `path` and parse it as JSON. On failure records it for `collector` and returns nullopt.
// `status`, when given, receives the HTTP status (0 for a transport failure).
std::optional<nlohmann::json> fetch_json(ClusterContext& ctx, const char* collector,
                                         const std::string& path, long* status = nullptr);

// As fetch_json, but a 404 (an API or resource this server does not have: an older release, a
// trimmed API) is nothing to fetch, not a failure.
std::optional<nlohmann::json> fetch_if_served(ClusterContext& ctx, const char* collector,
                                              const std::string& path, long* status = nullptr);

// GET every page of a List (limit=500 + continue) and return one List whose "items" holds them
// all (kube::list_all). An expired continue token (410) reads the list again once, whole. A failed
// page is recorded; the items gathered so far are still returned (with "metadata.incomplete": true)
// so nothing already fetched is lost.
std::optional<nlohmann::json> fetch_list(ClusterContext& ctx, const char* collector,
                                         const std::string& path);

// Writes `content` to `relpath`, counting bytes and items for `collector`.
void write_output(ClusterContext& ctx, const char* collector, const std::string& relpath,
                  std::string_view content);

// Records a failure that is not an HTTP request (a missing field, a refused write...).
void record_problem(ClusterContext& ctx, const char* collector, const std::string& what,
                    const std::string& message);

// "ns/name" of an object, or "name" when cluster-scoped.
std::string object_key(const nlohmann::json& obj);
// A string field by JSON pointer, or "" when absent or not a string.
std::string str_at(const nlohmann::json& obj, const char* pointer);

// Runs tasks on ctx.pool and waits for exactly these (other collectors share the pool). Call
// wait() from a collector's own thread, never from inside a pool task (that could deadlock).
class TaskGroup {
 public:
  explicit TaskGroup(ClusterContext& ctx) : ctx_(ctx) {}
  ~TaskGroup() { wait(); }
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;
  void run(std::function<void()> task);
  void wait();

 private:
  ClusterContext& ctx_;
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t pending_ = 0;
};

}  // namespace kmg::collectors

namespace kmg::collectors {

// Writes a fetched List the two ways the bundle keeps it: each object as YAML where a person looks
// for it, and the whole List as JSON (lists/) for the report. Items get their kind/apiVersion back
// (the API leaves them out of built-in lists) and are sanitized first.
void write_list_and_objects(ClusterContext& ctx, const char* collector, const std::string& group,
                            const std::string& resource, nlohmann::json list,
                            bool per_object_yaml = true);

// Writes `items` (kept by the snapshot, so not copied) as a List file, one sanitized item at a
// time: a cluster's 10,000 events never exist twice in memory.
void write_list_streamed(ClusterContext& ctx, const char* collector, const std::string& relpath,
                         const std::string& kind, const std::string& api_version,
                         const nlohmann::json& items);

}  // namespace kmg::collectors
