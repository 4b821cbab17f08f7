// What a recorder watches: one table of built-in resources, plus every custom resource of the
// CRDs it sees. Secrets are never in it (their values must not reach a recording).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::record {

struct WatchedResource {
  std::string group;  // "" for the core group
  std::string version;
  std::string resource;  // plural, as in the URL

  // "/api/v1/pods", "/apis/apps/v1/deployments": every namespace at once.
  std::string collection_path() const;
  // "apps/v1/deployments", for messages and map keys.
  std::string id() const;
  bool operator==(const WatchedResource&) const = default;
};

// The built-in resources, in the order their watches start (CRDs early, so custom resources
// are watched soon; pods before the rest, so logs are followed soon).
const std::vector<WatchedResource>& builtin_watched();

// The custom resource a CRD serves, at the version a client should use (the storage version when
// it is served, else the first served one); nullopt for a CRD that serves nothing or any
// resource the recorder must not watch.
std::optional<WatchedResource> custom_resource_of(const nlohmann::json& crd);

// True for resources never recorded whatever their source (Secrets).
bool never_watched(const WatchedResource& r);

}  // namespace kmg::record
