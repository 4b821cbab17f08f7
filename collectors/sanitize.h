// What happens to every object before it is written: managedFields dropped (kubectl hides them
// too), Secret values removed, and secrets in env values, ConfigMaps and annotations masked.
#pragma once

#include <nlohmann/json.hpp>

namespace kmg {
class Redactor;
}

namespace kmg::collectors {

inline constexpr const char* kValueNotCollected = "(value not collected)";

// Prepares any object for the bundle; Secrets lose their values whatever the redactor says.
void sanitize_object(nlohmann::json& obj, const Redactor& redactor);

// A Secret reduced to metadata, type and key names.
nlohmann::json secret_metadata_only(const nlohmann::json& secret);

}  // namespace kmg::collectors
