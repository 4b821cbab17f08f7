// The Store's mutations, change history and waiting: what watches and log follows feed on.
#include <algorithm>

#include "store.h"
#include "util/errors.h"

namespace kmg::fakeapi {

ObjectPtr Store::apply(json object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    throw Error("apply: object without metadata: " + object.dump().substr(0, 200));
  }
  const ResourceInfo* r = resolve(object.value("apiVersion", "v1"), object.value("kind", ""));
  if (r == nullptr) {
    throw Error("apply: no resource serves " + object.value("apiVersion", "") + " " +
                object.value("kind", ""));
  }
  auto& md = object["metadata"];
  if (r->namespaced && !md.contains("namespace")) md["namespace"] = "default";
  if (!r->namespaced) md.erase("namespace");
  std::lock_guard<std::mutex> lock(mutex_);
  auto& bucket = objects_[r->key()];
  const auto it = bucket.find(object_key(object));
  ObjectPtr previous = it == bucket.end() ? nullptr : it->second;
  if (previous) {
    // A replace keeps what the apiserver owns unless the new object says otherwise.
    const auto& old_md = (*previous)["metadata"];
    for (const char* f : {"uid", "creationTimestamp"}) {
      if (!md.contains(f) && old_md.contains(f)) md[f] = old_md[f];
    }
  }
  return commit_locked(*r, previous ? "MODIFIED" : "ADDED", std::move(object), previous);
}

ObjectPtr Store::update(const ResourceInfo& resource, const std::string& ns,
                        const std::string& name, const std::function<bool(json&)>& edit) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& bucket = objects_[resource.key()];
  const auto it = bucket.find((resource.namespaced ? ns : "") + "/" + name);
  ObjectPtr previous = it == bucket.end() ? nullptr : it->second;
  json object = previous ? *previous : json(nullptr);
  if (!edit(object)) return nullptr;
  auto& md = object["metadata"];
  md["name"] = name;
  if (resource.namespaced) md["namespace"] = ns;
  return commit_locked(resource, previous ? "MODIFIED" : "ADDED", std::move(object), previous);
}

ObjectPtr Store::remove(const ResourceInfo& resource, const std::string& ns,
                        const std::string& name) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& bucket = objects_[resource.key()];
  const auto it = bucket.find((resource.namespaced ? ns : "") + "/" + name);
  if (it == bucket.end()) return nullptr;
  ObjectPtr previous = it->second;
  if (resource.group.empty() && resource.plural == "pods") end_pod_logs_locked(ns, name);
  return commit_locked(resource, "DELETED", *previous, previous);
}

ObjectPtr Store::commit_locked(const ResourceInfo& r, const std::string& type, json object,
                               ObjectPtr previous) {
  const std::int64_t rv = ++resource_version_;
  auto& md = object["metadata"];
  md["resourceVersion"] = std::to_string(rv);
  if (type == "ADDED") {
    if (!md.contains("uid")) {
      md["uid"] = "00000000-0000-4000-9000-" + std::to_string(100000000000 + rv);
    }
    if (!md.contains("creationTimestamp")) md["creationTimestamp"] = now_rfc3339();
  }
  if (r.custom || !object.contains("kind")) {
    object["apiVersion"] = r.group_version();
    object["kind"] = r.kind;
  }
  auto stored = std::make_shared<const json>(std::move(object));
  auto& bucket = objects_[r.key()];
  const std::string key = object_key(*stored);
  if (type == "DELETED") {
    bucket.erase(key);
  } else {
    bucket[key] = stored;
  }
  record_locked({rv, type, r.key(), stored, previous});
  // core/v1 and events.k8s.io/v1 Events are one object in etcd: both watches see the change.
  if (r.group.empty() && r.plural == "events") {
    json mirrored = to_events_v1(*stored);
    mirrored["apiVersion"] = "events.k8s.io/v1";
    mirrored["kind"] = "Event";
    auto& v1 = objects_["events.k8s.io/events"];
    const auto old = v1.find(key);
    ObjectPtr old_v1 = old == v1.end() ? nullptr : old->second;
    auto v1_stored = std::make_shared<const json>(std::move(mirrored));
    if (type == "DELETED") {
      v1.erase(key);
    } else {
      v1[key] = v1_stored;
    }
    record_locked({rv, type, "events.k8s.io/events", v1_stored, old_v1});
  }
  ++sequence_;
  changed_.notify_all();
  return stored;
}

void Store::record_locked(Change change) {
  history_.push_back(std::move(change));
  while (history_.size() > history_limit_) {
    // Like the watch cache's ring buffer: once the oldest change is gone, a watch can resume
    // only from just before the oldest one kept.
    history_floor_ = history_.front().rv;
    history_.pop_front();
  }
}

ChangesSince Store::changes_since(std::int64_t rv, const std::string& resource_key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  ChangesSince out;
  out.floor = history_floor_;
  out.current = resource_version_;
  if (rv < history_floor_) {
    out.expired = true;
    return out;
  }
  const auto first = std::upper_bound(history_.begin(), history_.end(), rv,
                                      [](std::int64_t v, const Change& c) { return v < c.rv; });
  for (auto it = first; it != history_.end(); ++it) {
    if (resource_key.empty() || it->resource_key == resource_key) out.changes.push_back(*it);
  }
  return out;
}

void Store::set_history_limit(std::size_t changes) {
  std::lock_guard<std::mutex> lock(mutex_);
  history_limit_ = std::max<std::size_t>(changes, 1);
}

void Store::compact() {
  std::lock_guard<std::mutex> lock(mutex_);
  history_.clear();
  history_floor_ = resource_version_;
}

LogStream* Store::current_log_locked(const std::string& ns, const std::string& pod,
                                     const std::string& container) {
  for (auto& l : logs_) {
    if (l.ns == ns && l.pod == pod && !l.previous &&
        (l.container == container || l.container.empty())) {
      return &l;
    }
  }
  return nullptr;
}

LogStream* Store::live_log_locked(const std::string& ns, const std::string& pod,
                                  const std::string& container) {
  LogStream* log = current_log_locked(ns, pod, container);
  if (log == nullptr) {
    logs_.push_back({ns, pod, container, false, {}, next_instance_++, false});
    return &logs_.back();
  }
  if (log->terminated) {
    // The pod was deleted and one of the same name created: a new container, a new log.
    *log = {ns, pod, container, false, {}, next_instance_++, false};
  }
  return log;
}

void Store::append_log(const std::string& ns, const std::string& pod, const std::string& container,
                       const std::vector<std::string>& lines) {
  std::lock_guard<std::mutex> lock(mutex_);
  LogStream* log = live_log_locked(ns, pod, container);
  log->lines.insert(log->lines.end(), lines.begin(), lines.end());
  ++sequence_;
  changed_.notify_all();
}

LogStream Store::current_log(const std::string& ns, const std::string& pod,
                             const std::string& container) {
  std::lock_guard<std::mutex> lock(mutex_);
  return *live_log_locked(ns, pod, container);
}

void Store::restart_log(const std::string& ns, const std::string& pod,
                        const std::string& container) {
  std::lock_guard<std::mutex> lock(mutex_);
  logs_.erase(std::remove_if(logs_.begin(), logs_.end(),
                             [&](const LogStream& l) {
                               return l.ns == ns && l.pod == pod && l.previous &&
                                      (l.container == container || l.container.empty());
                             }),
              logs_.end());
  if (LogStream* current = current_log_locked(ns, pod, container)) {
    current->previous = true;
    current->terminated = true;
    current->container = container;
  }
  logs_.push_back({ns, pod, container, false, {}, next_instance_++, false});
  ++sequence_;
  changed_.notify_all();
}

void Store::end_pod_logs_locked(const std::string& ns, const std::string& pod) {
  logs_.erase(
      std::remove_if(logs_.begin(), logs_.end(),
                     [&](const LogStream& l) { return l.ns == ns && l.pod == pod && l.previous; }),
      logs_.end());
  for (auto& l : logs_) {
    if (l.ns == ns && l.pod == pod) l.terminated = true;
  }
}

std::optional<std::vector<std::string>> Store::log_lines_since(std::uint64_t instance,
                                                               std::size_t from) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& l : logs_) {
    if (l.instance != instance) continue;
    if (l.previous || l.terminated) return std::nullopt;
    if (from >= l.lines.size()) return std::vector<std::string>{};
    return std::vector<std::string>(l.lines.begin() + static_cast<std::ptrdiff_t>(from),
                                    l.lines.end());
  }
  return std::nullopt;
}

std::uint64_t Store::sequence() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sequence_;
}

std::uint64_t Store::wait_for_change(std::uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return sequence_ != seen; });
  return sequence_;
}

void Store::wake_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++sequence_;
  changed_.notify_all();
}

}  // namespace kmg::fakeapi
