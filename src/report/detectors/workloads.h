// Workload detectors: Deployments, Jobs, StatefulSets, DaemonSets, CronJobs and
// HorizontalPodAutoscalers.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

void deployment_stalled(const ClusterCtx& ctx, Out& out);
void deployment_unavailable(const ClusterCtx& ctx, Out& out);
void job_failed(const ClusterCtx& ctx, Out& out);
void statefulset_not_ready(const ClusterCtx& ctx, Out& out);
void daemonset_not_ready(const ClusterCtx& ctx, Out& out);
void cronjob_failing(const ClusterCtx& ctx, Out& out);
void cronjob_not_scheduling(const ClusterCtx& ctx, Out& out);
void hpa_failing(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
