// JSON to YAML, in the style of `kubectl get -o yaml`: block style, keys in sorted order
// (nlohmann's object order, which is what kubectl's JSON-to-YAML conversion produces too), strings
// quoted only when YAML would read them as something else.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

namespace kmg {

std::string to_yaml(const nlohmann::json& value);

}  // namespace kmg
