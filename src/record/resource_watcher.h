// One resource's list-then-watch loop, as client-go's reflector runs it (tools/cache/
// reflector.go ListAndWatch): list, watch from the list's resourceVersion with bookmarks, re-watch
// from the last resourceVersion when a watch times out or its connection drops (after a backoff),
// re-list on 410 Gone and replace: only changed items are written, and DELETED for vanished ones.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "record/recorder_shared.h"
#include "record/watched_resources.h"

namespace kmg::record {

class ResourceWatcher {
 public:
  // Sees every object written (after the write), unsanitized: pods start log streams, CRDs
  // start watches of their custom resources.
  using Observer = std::function<void(std::string_view type, const nlohmann::json& object)>;

  ResourceWatcher(RecorderShared& shared, WatchedResource resource, Observer observer = {});
  // Runs until stop, or until the server refuses the resource (403, 404).
  void run();

 private:
  // What follows a list or a watch: watch (again) from rv_; pause, then the same again; list
  // (410 Gone); pause, then list (any other watch error); nothing more (refused, or stopped).
  enum class Outcome { kRewatch, kDropped, kRelist, kRelistLater, kGiveUp, kStopped };
  struct Known {
    std::string rv, ns, name;
  };

  Outcome list();
  Outcome watch();
  Outcome classify_failure(const kube::Response& r, std::string_view what);
  // One watch event's text; false ends the watch (ERROR event, undecodable line, stop).
  bool on_event(std::string_view text, Outcome& outcome, bool& got_event);
  void emit(std::string_view type, nlohmann::json object);
  void forget_vanished(const std::unordered_map<std::string, bool>& seen);
  bool back_off();

  RecorderShared& shared_;
  WatchedResource resource_;
  Observer observer_;
  std::string rv_;  // the last resourceVersion seen (list, event or bookmark)
  std::unordered_map<std::string, Known> known_;  // by uid: what the recording holds
  std::chrono::milliseconds backoff_;
};

}  // namespace kmg::record
