#include "record/resource_watcher.h"

#include <algorithm>

#include "collectors/sanitize.h"
#include "kube/list.h"
#include "record/json_framer.h"
#include "util/text.h"

namespace kmg::record {
namespace {

// client-go's reflector backs off up to 30 s between failed ListAndWatch rounds.
constexpr std::chrono::milliseconds kMaxBackoff{30'000};
constexpr int kPageSize = 500;
constexpr std::chrono::seconds kShortWatch{1};

const nlohmann::json& metadata_of(const nlohmann::json& object) {
  static const nlohmann::json empty = nlohmann::json::object();
  auto it = object.find("metadata");
  return (it != object.end() && it->is_object()) ? *it : empty;
}

std::string field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

// The uid identifies an object across delete and re-create; namespace/name is the fallback.
std::string key_of(const nlohmann::json& meta) {
  std::string uid = field(meta, "uid");
  return uid.empty() ? field(meta, "namespace") + "/" + field(meta, "name") : uid;
}

bool is_gone(long code) { return code == 410; }
bool is_refused(long code) { return code == 403 || code == 404; }

}  // namespace

ResourceWatcher::ResourceWatcher(RecorderShared& shared, WatchedResource resource,
                                 Observer observer)
    : shared_(shared),
      resource_(std::move(resource)),
      observer_(std::move(observer)),
      backoff_(shared.options.retry_backoff) {}

void ResourceWatcher::run() {
  bool need_list = true;
  while (!shared_.stopping()) {
    const Outcome o = need_list ? list() : watch();
    switch (o) {
      case Outcome::kRewatch:
        need_list = false;
        break;
      case Outcome::kDropped:
        if (!need_list) shared_.stats.reconnected();
        if (!back_off()) return;
        break;
      case Outcome::kRelist:
      case Outcome::kRelistLater:
        need_list = true;
        shared_.stats.relisted();
        if (o == Outcome::kRelistLater && !back_off()) return;
        break;
      case Outcome::kGiveUp:
      case Outcome::kStopped:
        return;
    }
  }
}

bool ResourceWatcher::back_off() {
  const bool go_on = shared_.stop.sleep_for(backoff_);
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  return go_on;
}

ResourceWatcher::Outcome ResourceWatcher::list() {
  std::unordered_map<std::string, bool> seen;
  kube::ListObserver observer;
  observer.on_item = [&](nlohmann::json& item) {
    const auto& meta = metadata_of(item);
    const std::string key = key_of(meta);
    seen[key] = true;
    auto known = known_.find(key);
    // A re-list writes only what changed since the recording last saw it (no duplicates).
    if (known == known_.end() || known->second.rv != field(meta, "resourceVersion")) {
      emit("LISTED", std::move(item));
    }
    item = nullptr;  // written: the list keeps no copy
  };
  auto result = kube::list_all(*shared_.requests, resource_.collection_path(), kPageSize, observer);
  if (!result.ok) {
    kube::Response r;
    r.status = result.status;
    // A transport failure, or a 2xx whose body was cut or garbled: a drop, not an HTTP error.
    if (result.status < 300) r.error = result.error.empty() ? "no answer" : result.error;
    return classify_failure(r, result.error);
  }
  shared_.stats.reached(true);
  rv_ = field(metadata_of(result.list), "resourceVersion");
  forget_vanished(seen);
  backoff_ = shared_.options.retry_backoff;
  return Outcome::kRewatch;
}

ResourceWatcher::Outcome ResourceWatcher::classify_failure(const kube::Response& r,
                                                           std::string_view what) {
  if (shared_.stopping()) return Outcome::kStopped;
  const std::string message = resource_.id() + ": " + std::string(what);
  if (!r.error.empty()) {  // never answered, or cut mid-stream
    shared_.stats.reached(r.status != 0, message);
    return Outcome::kDropped;
  }
  // A 410 is routine (compaction): it is not what went wrong.
  shared_.stats.reached(true, is_gone(r.status) ? std::string() : message);
  if (is_gone(r.status)) return Outcome::kRelist;
  // Not served here, or not allowed: recorded once, and this resource is no longer watched.
  if (is_refused(r.status)) return Outcome::kGiveUp;
  return Outcome::kDropped;  // 429, 5xx: the same resourceVersion again after a pause
}

ResourceWatcher::Outcome ResourceWatcher::watch() {
  const std::string path =
      resource_.collection_path() +
      "?watch=true&allowWatchBookmarks=true&resourceVersion=" + url_encode(rv_) +
      "&timeoutSeconds=" + std::to_string(shared_.options.watch_timeout.count());
  Outcome outcome = Outcome::kRewatch;
  bool ended_by_event = false;
  bool got_event = false;
  JsonFramer framer([&](std::string_view text) {
    ended_by_event = !on_event(text, outcome, got_event);
    return !ended_by_event;
  });
  const auto started = std::chrono::steady_clock::now();
  kube::Response r = shared_.watches->stream(
      path, [&](std::string_view chunk) { return framer.feed(chunk) && !shared_.stopping(); });
  if (got_event) backoff_ = shared_.options.retry_backoff;
  if (shared_.stopping()) return Outcome::kStopped;
  if (ended_by_event) return outcome;
  if (r.ok()) {
    // timeoutSeconds reached: watch again from rv_ at once, unless the server ends watches
    // straight away (the reflector's "very short watch"), which calls for a pause.
    const bool very_short = !got_event && std::chrono::steady_clock::now() - started < kShortWatch;
    return very_short ? Outcome::kDropped : Outcome::kRewatch;
  }
  return classify_failure(r, "watch: " + r.describe());
}

bool ResourceWatcher::on_event(std::string_view text, Outcome& outcome, bool& got_event) {
  auto event = nlohmann::json::parse(text, nullptr, false);
  if (event.is_discarded() || !event.is_object()) {
    outcome = Outcome::kDropped;  // a garbled stream: resume from the last good resourceVersion
    return false;
  }
  const std::string type = field(event, "type");
  auto object = event.find("object");
  if (object == event.end() || !object->is_object()) return true;
  if (type == "ERROR") {
    // A Status: 410 Expired/Gone means rv_ is compacted away; any other error also ends the
    // round, and the reflector lists again.
    const long code = object->value("code", 0L);
    if (!is_gone(code)) {
      shared_.stats.reached(true, resource_.id() + ": watch: " + field(*object, "message"));
    }
    outcome = is_gone(code) ? Outcome::kRelist : Outcome::kRelistLater;
    return false;
  }
  got_event = true;
  const std::string rv = field(metadata_of(*object), "resourceVersion");
  if (!rv.empty()) rv_ = rv;
  if (type == "ADDED" || type == "MODIFIED" || type == "DELETED") emit(type, std::move(*object));
  return true;  // BOOKMARK: only the resourceVersion moves
}

void ResourceWatcher::emit(std::string_view type, nlohmann::json object) {
  const auto& meta = metadata_of(object);
  const std::string key = key_of(meta);
  if (type == "DELETED") {
    known_.erase(key);
  } else {
    known_[key] =
        Known{field(meta, "resourceVersion"), field(meta, "namespace"), field(meta, "name")};
  }
  collectors::sanitize_object(object, shared_.redactor);
  ObjectChange change{now_nanos(),       std::string(type),  resource_.group,
                      resource_.version, resource_.resource, std::move(object)};
  shared_.writer.object(shared_.cluster, change);
  if (observer_) observer_(type, change.object);
}

// What reflector Replace does for objects the new list no longer has: each gets a DELETED (its
// last state is in the recording already, so the line carries its identity only).
void ResourceWatcher::forget_vanished(const std::unordered_map<std::string, bool>& seen) {
  std::vector<std::string> gone;
  for (const auto& [key, known] : known_) {
    if (!seen.contains(key)) gone.push_back(key);
  }
  for (const auto& key : gone) {
    const Known k = known_.at(key);
    nlohmann::json meta = {{"name", k.name}, {"resourceVersion", k.rv}};
    if (!k.ns.empty()) meta["namespace"] = k.ns;
    if (key.find('/') == std::string::npos) meta["uid"] = key;
    emit("DELETED", nlohmann::json{{"metadata", std::move(meta)}});
  }
}

}  // namespace kmg::record
