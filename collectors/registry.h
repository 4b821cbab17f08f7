// The table of collectors a gather runs for each cluster, in the order they start.
#pragma once

#include <vector>

#include "collectors/collector.h"

namespace kmg::collectors {

const std::vector<Collector>& all_collectors();

}  // namespace kmg::collectors
