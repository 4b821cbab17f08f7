// Lenient reads from API objects: a missing field, a null or a value of the wrong type reads as
// empty, so odd data never throws while describing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "util/timestamps.h"

namespace kmg::describe::json_access {

// The member, or a shared null when obj is not an object or lacks it.
inline const nlohmann::json& at(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  const auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

// Nested path: at(at(obj, a), b)...
template <typename... Keys>
const nlohmann::json& path(const nlohmann::json& obj, std::string_view first, Keys... rest) {
  if constexpr (sizeof...(rest) == 0) {
    return at(obj, first);
  } else {
    return path(at(obj, first), rest...);
  }
}

// Strings as they are; numbers and booleans as their JSON text; anything else "".
inline std::string text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  return "";
}

inline std::string str(const nlohmann::json& obj, std::string_view key) {
  return text(at(obj, key));
}

inline std::optional<std::int64_t> int_of(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) return static_cast<std::int64_t>(v.get<double>());
  return std::nullopt;
}

inline std::int64_t num(const nlohmann::json& obj, std::string_view key, std::int64_t def = 0) {
  return int_of(at(obj, key)).value_or(def);
}

inline bool flag(const nlohmann::json& obj, std::string_view key) {
  const auto& v = at(obj, key);
  return v.is_boolean() && v.get<bool>();
}

// The array, or a shared empty array.
inline const nlohmann::json& arr(const nlohmann::json& v) {
  static const nlohmann::json kEmpty = nlohmann::json::array();
  return v.is_array() ? v : kEmpty;
}

inline const nlohmann::json& arr(const nlohmann::json& obj, std::string_view key) {
  return arr(at(obj, key));
}

inline std::optional<EpochNanos> time_of(const nlohmann::json& v) {
  if (!v.is_string()) return std::nullopt;
  return parse_rfc3339(v.get_ref<const std::string&>());
}

}  // namespace kmg::describe::json_access
