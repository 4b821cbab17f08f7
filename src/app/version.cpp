#include "app/version.h"

#include "app/version_info.h"

namespace kmg::app {

namespace {

// vcs_tag substitutes one string, so the script prints both values separated by a space.
std::string field(bool second) {
  const std::string both = KMG_VERSION_DESCRIBE_AND_COMMIT;
  const auto space = both.find(' ');
  if (space == std::string::npos) {
    return second ? std::string("unknown") : both;
  }
  return second ? both.substr(space + 1) : both.substr(0, space);
}

}  // namespace

std::string version() { return field(false); }

std::string commit() { return field(true); }

}  // namespace kmg::app
