// Temporary: the commands land with discovery, gather and report.
#include <spdlog/spdlog.h>

#include "app/cli.h"
#include "app/options.h"

namespace kmg::app {

int run_collect(const CollectOptions&) {
  spdlog::error("collect: not implemented yet");
  return kExitNothing;
}
int run_clusters(const ClustersOptions&) {
  spdlog::error("clusters: not implemented yet");
  return kExitNothing;
}
int run_report(const ReportOptions&) {
  spdlog::error("report: not implemented yet");
  return kExitNothing;
}

}  // namespace kmg::app
