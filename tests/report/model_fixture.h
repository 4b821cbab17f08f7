// An in-memory Model for detector tests: lists, events and logs of one or more clusters, then
// one detector (detect::run_one) or the whole analysis, without a bundle on disk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/analysis.h"
#include "report/model.h"

namespace kmg::testing {

class ModelFixture {
 public:
  // The cluster, created on first use (reachable, provider docker).
  report::ClusterData& cluster(const std::string& name = "kind");
  ModelFixture& list(const std::string& key, const nlohmann::json& items,
                     const std::string& cluster = "kind");
  ModelFixture& events(const nlohmann::json& items, const std::string& cluster = "kind");
  // A container log as the loader keeps it: the tail, and the lines naming a connection failure.
  ModelFixture& log(const std::string& ns, const std::string& pod, const std::string& container,
                    bool previous, const std::vector<std::string>& lines,
                    const std::string& cluster = "kind");

  std::vector<report::Finding> run(std::string_view detector) const;
  std::vector<report::Finding> all() const;

  report::Model model;
};

// The finding whose detector is `detector` and whose object name is `name`; fails the test if
// there is none.
const report::Finding& finding(const std::vector<report::Finding>& fs, std::string_view detector,
                               std::string_view name = "");
// Title, cause, next step and evidence joined, for substring checks.
std::string text_of(const report::Finding& f);

}  // namespace kmg::testing
