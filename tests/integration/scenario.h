// What the integration tests expect, read from a scenario file (tests/scenarios/*.json) rather
// than written down twice, and the raw content of a written bundle.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kmg::integration {

// The planted markers of tests/scenarios/README.md ("Planted secrets"): no bundle may hold them.
inline const std::vector<std::string> kPlantedMarkers = {
    "SEED-SECRET-VALUE-7f3a9", "U0VFRC1TRUNSRVQtVkFMVUUtN2YzYTk=", "SEED-CM-TOKEN-c41d",
    "SEED-ENV-PASSWORD-88e1", "SEED-LOG-BEARER-d00d"};

nlohmann::json load_scenario(const std::string& path);
// Every object of `kind` in a scenario.
std::vector<nlohmann::json> objects_of_kind(const nlohmann::json& scenario,
                                            const std::string& kind);
// The text of a scenario log line: "<RFC3339Nano> text" -> "text".
std::string log_text(const std::string& line);

// Every entry of a .tar.gz/.tar.zst read with libarchive alone (no tool code), by raw entry name:
// folders, links and files alike, with their data.
std::map<std::string, std::string> tar_contents(const std::string& archive);

// The folder of a cluster in a bundle ("clusters/<context>"), as README.md documents it.
std::string cluster_dir(const std::string& context);
// Where a custom resource lands in the bundle (README.md, "The bundle").
std::string custom_resource_path(const std::string& context, const nlohmann::json& crd,
                                 const nlohmann::json& object);

}  // namespace kmg::integration
