// Admission detectors: the API server refusing the pods a controller creates (ResourceQuota,
// LimitRange, PodSecurity, a missing ServiceAccount, a terminating namespace, an admission
// webhook), and admission webhooks that deny requests or cannot be called.
#pragma once

#include "report/detectors/detector.h"

namespace kmg::report::detect {

// admission.cpp: a controller's FailedCreate events and ReplicaFailure conditions, by cause.
void quota_exceeded(const ClusterCtx& ctx, Out& out);
void limitrange_violation(const ClusterCtx& ctx, Out& out);
void podsecurity_violation(const ClusterCtx& ctx, Out& out);
void missing_serviceaccount(const ClusterCtx& ctx, Out& out);
void namespace_terminating(const ClusterCtx& ctx, Out& out);
void pods_blocked_by_webhook(const ClusterCtx& ctx, Out& out);
void pods_not_created(const ClusterCtx& ctx, Out& out);

// admission_webhooks.cpp: a webhook that denies or cannot be called, wherever the API server's
// error shows (events, pod logs, failed tests), followed to its configuration and Service.
void webhook_failure(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
