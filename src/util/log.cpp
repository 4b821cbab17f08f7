#include "util/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace kmg {

void setup_logging(Verbosity verbosity, LogFormat format) {
  auto logger = spdlog::stderr_logger_mt("kind-must-gather");
  if (format == LogFormat::kJson) {
    // One JSON object per line; the message is escaped by spdlog's %v only partially, so keep
    // messages free of quotes where possible (we do: they are built from our own text).
    logger->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})",
                        spdlog::pattern_time_type::utc);
  } else {
    logger->set_pattern("%^%L%$ %H:%M:%S %v", spdlog::pattern_time_type::utc);
  }
  switch (verbosity) {
    case Verbosity::kQuiet:
      logger->set_level(spdlog::level::err);
      break;
    case Verbosity::kNormal:
      logger->set_level(spdlog::level::info);
      break;
    case Verbosity::kVerbose:
      logger->set_level(spdlog::level::debug);
      break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace kmg
