#include "collectors/sanitize.h"

#include <string>

#include "util/redact.h"

namespace kmg::collectors {
namespace {

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

void redact_strings(nlohmann::json& value, const Redactor& redactor) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::string masked = redactor.redact(text);
    if (masked != text) value = std::move(masked);
  } else if (value.is_array()) {
    for (auto& item : value) redact_strings(item, redactor);
  } else if (value.is_object()) {
    // {name: PASSWORD, value: x} is how env vars (and many CR specs) carry secrets.
    if (value.contains("name") && value["name"].is_string() && value.contains("value") &&
        value["value"].is_string() &&
        redactor.is_sensitive_key(value["name"].get_ref<const std::string&>()) &&
        !Redactor::holds_no_secret(value["value"].get_ref<const std::string&>())) {
      value["value"] = std::string(Redactor::kMask);
      redactor.add_masked(1);
    }
    for (auto it = value.begin(); it != value.end(); ++it) redact_strings(it.value(), redactor);
  }
}

// ConfigMap data: a value under a sensitive key is masked whole, others line by line.
void redact_config_data(nlohmann::json& data, const Redactor& redactor) {
  if (!data.is_object()) return;
  for (auto it = data.begin(); it != data.end(); ++it) {
    if (!it.value().is_string()) continue;
    if (redactor.is_sensitive_key(it.key()) &&
        !Redactor::holds_no_secret(it.value().get_ref<const std::string&>())) {
      it.value() = std::string(Redactor::kMask);
      redactor.add_masked(1);
    }
  }
}

// last-applied-configuration is the whole object as last applied, as JSON text: a string-level
// mask cannot see that "value" belongs to a PASSWORD env var, so it is sanitized as an object.
void sanitize_last_applied(nlohmann::json& obj, const Redactor& redactor) {
  auto annotations = obj.find("metadata");
  if (annotations == obj.end() || !annotations->is_object()) return;
  annotations = annotations->find("annotations");
  if (annotations == obj["metadata"].end() || !annotations->is_object()) return;
  auto applied = annotations->find(kLastApplied);
  if (applied == annotations->end() || !applied->is_string()) return;
  auto inner = nlohmann::json::parse(applied->get_ref<const std::string&>(), nullptr, false);
  if (inner.is_discarded() || !inner.is_object()) return;  // masked as text like any string
  sanitize_object(inner, redactor);
  *applied = inner.dump();
}

}  // namespace

nlohmann::json secret_metadata_only(const nlohmann::json& secret) {
  nlohmann::json out = nlohmann::json::object();
  for (const char* field : {"apiVersion", "kind", "type", "immutable"}) {
    if (secret.contains(field)) out[field] = secret[field];
  }
  if (secret.contains("metadata")) {
    out["metadata"] = secret["metadata"];
    out["metadata"].erase("managedFields");
    if (out["metadata"].contains("annotations") && out["metadata"]["annotations"].is_object()) {
      // last-applied-configuration repeats data/stringData verbatim.
      out["metadata"]["annotations"].erase(kLastApplied);
    }
  }
  for (const char* field : {"data", "stringData"}) {
    if (!secret.contains(field) || !secret[field].is_object()) continue;
    nlohmann::json keys = nlohmann::json::object();
    for (auto it = secret[field].begin(); it != secret[field].end(); ++it) {
      keys[it.key()] = kValueNotCollected;
    }
    out[field] = std::move(keys);
  }
  return out;
}

void sanitize_object(nlohmann::json& obj, const Redactor& redactor) {
  if (!obj.is_object()) return;
  if (obj.contains("metadata") && obj["metadata"].is_object()) {
    obj["metadata"].erase("managedFields");
  }
  const bool is_secret = obj.value("kind", "") == "Secret";
  if (is_secret) {
    obj = secret_metadata_only(obj);
    return;
  }
  if (!redactor.enabled()) return;
  sanitize_last_applied(obj, redactor);
  if (obj.value("kind", "") == "ConfigMap" && obj.contains("data")) {
    redact_config_data(obj["data"], redactor);
  }
  redact_strings(obj, redactor);
}

}  // namespace kmg::collectors
