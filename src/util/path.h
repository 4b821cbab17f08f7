// Turning names from a server into safe paths inside the bundle.
#pragma once

#include <string>
#include <string_view>

namespace kmg {

// One path component from an untrusted name: no '/', no NUL, never "." or "..", no control
// bytes, valid UTF-8, at most 200 bytes. Distinct inputs that would collide after cleaning
// get a short hash suffix so two objects never overwrite each other.
std::string safe_path_component(std::string_view name);

}  // namespace kmg
