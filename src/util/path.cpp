#include "util/path.h"

#include <cstdint>
#include <cstdio>

#include "util/text.h"

namespace kmg {
namespace {

std::uint32_t fnv1a(std::string_view s) {
  std::uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

}  // namespace

std::string safe_path_component(std::string_view name) {
  std::string cleaned;
  bool changed = false;
  for (char c : to_valid_utf8(name)) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || u < 0x20 || u == 0x7F) {
      cleaned += '_';
      changed = true;
    } else {
      cleaned += c;
    }
  }
  if (cleaned != name) changed = true;
  if (cleaned.empty() || cleaned == "." || cleaned == "..") {
    cleaned = "_" + cleaned;
    changed = true;
  }
  if (cleaned.size() > 200) {
    cleaned.resize(200);
    // Do not cut a UTF-8 sequence in half.
    while (!cleaned.empty() && (static_cast<unsigned char>(cleaned.back()) & 0xC0) == 0x80) {
      cleaned.pop_back();
    }
    if (!cleaned.empty() && static_cast<unsigned char>(cleaned.back()) >= 0xC0) cleaned.pop_back();
    changed = true;
  }
  if (changed) {
    char suffix[16];
    std::snprintf(suffix, sizeof suffix, "~%08x", fnv1a(name));
    cleaned += suffix;
  }
  return cleaned;
}

}  // namespace kmg
