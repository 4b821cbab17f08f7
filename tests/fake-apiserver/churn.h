// Steady change for benchmarks (--churn-pods N --churn-interval-ms M): N synthetic pods in the
// namespace "churn"; every interval some get log lines, one restarts (alternately running again
// and in CrashLoopBackOff) and one is replaced (DELETED, then ADDED with a new uid), so a recorder
// watching the cluster always has work.
#pragma once

#include <atomic>
#include <string>

#include "store.h"

namespace kmg::fakeapi {

struct ChurnSpec {
  int pods = 0;
  int interval_ms = 200;
  std::string ns = "churn";
};

// Before Store::finalize(): the namespace and the pods with a first log line each.
void seed_churn(const ChurnSpec& spec, const std::string& cluster_name, Store& store);
// Until `stop`: one round of changes per interval.
void run_churn(const ChurnSpec& spec, const std::string& cluster_name, Store& store,
               const std::atomic<bool>& stop);

}  // namespace kmg::fakeapi
