#include "churn.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "cluster_ops.h"

namespace kmg::fakeapi {
namespace {

std::string pod_name(int i) {
  char name[32];
  std::snprintf(name, sizeof name, "churn-%04d", i);
  return name;
}

json make_pod(const ChurnSpec& spec, const std::string& cluster, int i, int generation) {
  const std::string name = pod_name(i);
  const std::string now = now_rfc3339();
  char uid[48];
  std::snprintf(uid, sizeof uid, "c0000000-0000-4000-8000-%06d%06d", i, generation);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", spec.ns},
            {"uid", uid},
            {"creationTimestamp", now},
            {"labels", {{"app", "churn"}, {"slot", std::to_string(i % 10)}}}}},
          {"spec",
           {{"nodeName", cluster + "-worker"},
            {"containers", {{{"name", "app"}, {"image", "registry.example.com/churn:1.0"}}}}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
              {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}}}},
            {"containerStatuses",
             {{{"name", "app"},
               {"image", "registry.example.com/churn:1.0"},
               {"ready", true},
               {"started", true},
               {"restartCount", 0},
               {"containerID",
                "containerd://churn" + std::to_string(i) + "g" + std::to_string(generation)},
               {"state", {{"running", {{"startedAt", now}}}}}}}}}}};
}

}  // namespace

void seed_churn(const ChurnSpec& spec, const std::string& cluster_name, Store& store) {
  if (spec.pods <= 0) return;
  store.add_object(
      {{"apiVersion", "v1"},
       {"kind", "Namespace"},
       {"metadata", {{"name", spec.ns}, {"labels", {{"kubernetes.io/metadata.name", spec.ns}}}}},
       {"status", {{"phase", "Active"}}}});
  for (int i = 0; i < spec.pods; ++i) {
    store.add_object(make_pod(spec, cluster_name, i, 0));
    store.add_log({spec.ns, pod_name(i), "app", false, {now_rfc3339_nano() + " started"}});
  }
}

void run_churn(const ChurnSpec& spec, const std::string& cluster_name, Store& store,
               const std::atomic<bool>& stop) {
  if (spec.pods <= 0) return;
  const ResourceInfo* pods = store.find("", "v1", "pods");
  const int logging = std::max(1, spec.pods / 10);
  for (long round = 0; !stop; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(spec.interval_ms));
    for (int k = 0; k < logging; ++k) {
      const int i = static_cast<int>((round * logging + k) % spec.pods);
      append_log_lines(store, spec.ns, pod_name(i), "app",
                       {"level=info msg=\"tick\" round=" + std::to_string(round),
                        "level=info msg=\"handled request\" status=200"});
    }
    const int restart = static_cast<int>(round % spec.pods);
    RestartSpec r{spec.ns, pod_name(restart), "app"};
    r.state = round % 2 == 0 ? "CrashLoopBackOff" : "running";
    try {
      restart_container(store, r);
    } catch (const std::exception&) {
      // The pod is being replaced this very round: nothing to restart.
    }
    const int replace = static_cast<int>((round * 7 + 3) % spec.pods);
    store.remove(*pods, spec.ns, pod_name(replace));
    store.apply(make_pod(spec, cluster_name, replace, static_cast<int>(round + 1)));
    append_log_lines(store, spec.ns, pod_name(replace), "app", {"started"});
  }
}

}  // namespace kmg::fakeapi
