// Container logs: every init, regular and ephemeral container, current and (after a restart) the
// previous instance, with timestamps; the tail kept within --log-limit-bytes; failing pods first.
#pragma once

#include "collectors/collector.h"

namespace kmg::collectors {

void collect_logs(ClusterContext& ctx);

}  // namespace kmg::collectors
