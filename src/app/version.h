#pragma once

#include <string>

namespace kmg::app {

// What `git describe` said when this binary was built (see meson.build), e.g. "0.2.0" or
// "0.1.0+gabcdef012345-dirty".
std::string version();
// The full commit the binary was built from, or "unknown" outside a git checkout.
std::string commit();

}  // namespace kmg::app
