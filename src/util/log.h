// spdlog set-up: logs go to stderr, as text or JSON lines; data never goes to the log.
#pragma once

#include <string_view>

namespace kmg {

enum class LogFormat { kText, kJson };
enum class Verbosity { kQuiet, kNormal, kVerbose };

void setup_logging(Verbosity verbosity, LogFormat format);

}  // namespace kmg
