// Image detectors: an image not loaded into the node, a pull the registry refuses, an invalid
// reference.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void image_not_loaded(const ClusterCtx& ctx, const PodView& pv, Out& out);
void image_pull(const ClusterCtx& ctx, const PodView& pv, Out& out);
void invalid_image_name(const ClusterCtx& ctx, const PodView& pv, Out& out);

}  // namespace kmg::report::detect
