// Pod and container detectors.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void crash_loop(const ClusterCtx& ctx, const PodView& pv, Out& out);
void oom_killed(const ClusterCtx& ctx, const PodView& pv, Out& out);
void evicted(const ClusterCtx& ctx, const PodView& pv, Out& out);
void container_config(const ClusterCtx& ctx, const PodView& pv, Out& out);
void probe_failure(const ClusterCtx& ctx, const PodView& pv, Out& out);
void mount_failure(const ClusterCtx& ctx, const PodView& pv, Out& out);
void not_ready(const ClusterCtx& ctx, const PodView& pv, Out& out);

}  // namespace kmg::report::detect
