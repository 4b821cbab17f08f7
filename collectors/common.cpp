#include "collectors/common.h"

#include <spdlog/spdlog.h>

#include "bundle/bundle_writer.h"
#include "bundle/manifest.h"
#include "discovery/cluster_target.h"
#include "kube/kube_api.h"
#include "kube/list.h"
#include "util/deadline.h"
#include "util/text.h"
#include "util/work_pool.h"

namespace kmg::collectors {
namespace {

void record_failure(ClusterContext& ctx, const char* collector, const std::string& path,
                    const kube::Response& r) {
  bundle::FailedRequest failure;
  failure.cluster = ctx.target.name;
  failure.collector = collector;
  failure.path = path;
  failure.status = r.status;
  failure.message = r.describe();
  spdlog::debug("{}: GET {} failed: {}", ctx.target.name, path, failure.message);
  ctx.manifest.add_failure(failure);
}

// GET and parse; a 404 is recorded as a failure unless `quiet_404` (an API this server lacks).
std::optional<nlohmann::json> fetch(ClusterContext& ctx, const char* collector,
                                    const std::string& path, long* status, bool quiet_404) {
  if (status != nullptr) *status = 0;
  if (ctx.api == nullptr) return std::nullopt;
  if (ctx.deadline.expired()) {
    record_problem(ctx, collector, path, "skipped: time limit reached or cancelled");
    return std::nullopt;
  }
  const kube::Response r = ctx.api->get(path);
  ctx.manifest.add_request(ctx.target.name, collector, r.bytes);
  if (status != nullptr) *status = r.status;
  if (quiet_404 && r.status == 404) return std::nullopt;
  if (!r.ok()) {
    record_failure(ctx, collector, path, r);
    return std::nullopt;
  }
  auto parsed = nlohmann::json::parse(r.body, nullptr, false);
  if (parsed.is_discarded()) {
    kube::Response bad = r;
    bad.error = "response is not valid JSON";
    record_failure(ctx, collector, path, bad);
    return std::nullopt;
  }
  return parsed;
}

}  // namespace

std::optional<nlohmann::json> fetch_json(ClusterContext& ctx, const char* collector,
                                         const std::string& path, long* status) {
  return fetch(ctx, collector, path, status, false);
}

std::optional<nlohmann::json> fetch_if_served(ClusterContext& ctx, const char* collector,
                                              const std::string& path, long* status) {
  return fetch(ctx, collector, path, status, true);
}

std::optional<nlohmann::json> fetch_list(ClusterContext& ctx, const char* collector,
                                         const std::string& path) {
  if (ctx.api == nullptr) return std::nullopt;
  if (ctx.deadline.expired()) {
    record_problem(ctx, collector, path, "skipped: time limit reached or cancelled");
    return std::nullopt;
  }
  kube::ListObserver observer;
  observer.on_response = [&](const std::string&, const kube::Response& r) {
    ctx.manifest.add_request(ctx.target.name, collector, r.bytes);
  };
  // managedFields are dropped from every object anyway (kubectl hides them too); dropping
  // them on arrival keeps big lists (10,000 events) a third smaller in memory.
  observer.on_item = [](nlohmann::json& item) {
    if (item.is_object() && item.contains("metadata") && item["metadata"].is_object()) {
      item["metadata"].erase("managedFields");
    }
  };
  auto result = kube::list_all(*ctx.api, path, 500, observer);
  if (result.ok) {
    // An expired continue token that the whole-list read recovered from lost nothing: it is a
    // debug line, not a failure.
    if (result.restarted)
      spdlog::debug("{}: {}: continue token expired, list read again whole", ctx.target.name, path);
    return std::move(result.list);
  }
  bundle::FailedRequest failure;
  failure.cluster = ctx.target.name;
  failure.collector = collector;
  failure.path = result.failed_url;
  failure.status = result.status;
  failure.message = result.error;
  ctx.manifest.add_failure(failure);
  if (result.pages == 0) return std::nullopt;
  result.list["metadata"]["incomplete"] = true;
  return std::move(result.list);
}

void write_output(ClusterContext& ctx, const char* collector, const std::string& relpath,
                  std::string_view content) {
  if (ctx.writer.write_file(relpath, content)) {
    ctx.manifest.add_items(ctx.target.name, collector, 1);
  } else {
    record_problem(ctx, collector, relpath, "not written: bundle size budget reached");
  }
}

void record_problem(ClusterContext& ctx, const char* collector, const std::string& what,
                    const std::string& message) {
  bundle::FailedRequest failure;
  failure.cluster = ctx.target.name;
  failure.collector = collector;
  failure.method = "-";
  failure.path = what;
  failure.message = message;
  ctx.manifest.add_failure(failure);
}

std::string object_key(const nlohmann::json& obj) {
  const std::string ns = str_at(obj, "/metadata/namespace");
  const std::string name = str_at(obj, "/metadata/name");
  return ns.empty() ? name : ns + "/" + name;
}

std::string str_at(const nlohmann::json& obj, const char* pointer) {
  const nlohmann::json::json_pointer ptr(pointer);
  if (!obj.contains(ptr)) return "";
  const auto& v = obj.at(ptr);
  return v.is_string() ? v.get<std::string>() : "";
}

void TaskGroup::run(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    ++pending_;
  }
  ctx_.pool.submit([this, task = std::move(task)] {
    try {
      task();
    } catch (const std::exception& e) {
      spdlog::error("{}: collector task failed: {}", ctx_.target.name, e.what());
    }
    std::lock_guard lock(mutex_);
    if (--pending_ == 0) done_.notify_all();
  });
}

void TaskGroup::wait() {
  std::unique_lock lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

}  // namespace kmg::collectors

#include "bundle/layout.h"
#include "collectors/sanitize.h"
#include "util/redact.h"
#include "util/yaml_emit.h"

namespace kmg::collectors {

void write_list_and_objects(ClusterContext& ctx, const char* collector, const std::string& group,
                            const std::string& resource, nlohmann::json list,
                            bool per_object_yaml) {
  if (!list.is_object() || !list["items"].is_array()) return;
  const std::string list_kind = list.value("kind", "");
  const std::string item_kind = list_kind.size() > 4 && list_kind.ends_with("List")
                                    ? list_kind.substr(0, list_kind.size() - 4)
                                    : list_kind;
  const std::string api_version = list.value("apiVersion", "");
  for (auto& item : list["items"]) {
    if (!item.is_object()) continue;
    if (!item.contains("kind") && !item_kind.empty()) item["kind"] = item_kind;
    if (!item.contains("apiVersion") && !api_version.empty()) item["apiVersion"] = api_version;
    sanitize_object(item, ctx.redactor);
    if (per_object_yaml) {
      const std::string path =
          bundle::layout::object_yaml(ctx.target.name, str_at(item, "/metadata/namespace"), group,
                                      resource, str_at(item, "/metadata/name"));
      write_output(ctx, collector, path, to_yaml(item));
    }
  }
  write_output(ctx, collector, bundle::layout::list_json(ctx.target.name, group, resource),
               list.dump(1));
}

void write_list_streamed(ClusterContext& ctx, const char* collector, const std::string& relpath,
                         const std::string& kind, const std::string& api_version,
                         const nlohmann::json& items) {
  auto out = ctx.writer.open_stream(relpath);
  if (!out) {
    record_problem(ctx, collector, relpath, "not written: cannot create the file");
    return;
  }
  const std::string item_kind = kind.ends_with("List") ? kind.substr(0, kind.size() - 4) : kind;
  bool ok = out->write(R"({"apiVersion":")" + api_version + R"(","kind":")" + kind +
                       R"(","metadata":{},"items":[)");
  bool first = true;
  for (const auto& item : items) {
    nlohmann::json clean = item;
    if (clean.is_object()) {
      if (!clean.contains("kind")) clean["kind"] = item_kind;
      if (!clean.contains("apiVersion")) clean["apiVersion"] = api_version;
    }
    sanitize_object(clean, ctx.redactor);
    ok = ok && out->write(first ? "\n" : ",\n") && out->write(clean.dump());
    first = false;
  }
  ok = ok && out->write("\n]}\n");
  out->close();
  if (ok) {
    ctx.manifest.add_items(ctx.target.name, collector, 1);
  } else {
    record_problem(ctx, collector, relpath, "incomplete: bundle size budget reached");
  }
}

}  // namespace kmg::collectors
