// The last recorded version of every object of one cluster, and which were deleted and when:
// what the recording says the cluster looked like at its end. Holds one version per object (the
// size of the cluster's state, not of its history).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "record/recording.h"

namespace kmg::record {

struct ObjectState {
  nlohmann::json object;                  // the last version seen
  std::optional<std::string> deleted_at;  // the DELETED change's "at", as written
};

struct ResourceState {
  std::string group, version, resource;
  // By "<ns>\x1f<name>\x1f<uid>": name order (what a List gives) and a re-created object (same
  // name, new uid) apart from the one deleted before it.
  std::map<std::string, ObjectState> objects;
};

class LastState {
 public:
  // Takes the change's object (moved out of `change`).
  void apply(ObjectChange& change, const std::string& at_text);
  // By "<resource>[.<group>]".
  const std::map<std::string, ResourceState>& resources() const { return resources_; }
  const ResourceState* find(const std::string& key) const;
  // The objects of a resource not deleted / deleted, in name order.
  std::vector<const ObjectState*> alive(const std::string& key) const;
  std::vector<const ObjectState*> deleted(const std::string& key) const;

 private:
  std::map<std::string, ResourceState> resources_;
};

// "<resource>[.<group>]", the stem the bundle's list files use.
std::string resource_key(const std::string& group, const std::string& resource);

}  // namespace kmg::record
