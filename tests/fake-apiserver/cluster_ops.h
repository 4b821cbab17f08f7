// Changes a live cluster goes through, written the way its controllers and the kubelet write them
// (container restarts with lastState and kubelet events, log lines, namespace deletion). Shared by
// the scenario script (script.h) and the churn generator (churn.h).
#pragma once

#include <string>
#include <vector>

#include "store.h"

namespace kmg::fakeapi {

// "2026-02-04T10:15:05.123456789Z": the kubelet's log timestamp (always nine digits).
std::string now_rfc3339_nano();

// Lines appended to the container's current log, each prefixed with the time of the call.
void append_log_lines(Store& store, const std::string& ns, const std::string& pod,
                      const std::string& container, const std::vector<std::string>& texts);

struct RestartSpec {
  std::string ns, pod, container;
  int exit_code = 1;
  std::string reason = "Error";  // lastState.terminated.reason: Error, OOMKilled, Completed...
  std::string message;           // lastState.terminated.message (omitted when empty)
  // "running" (restarted at once) or "CrashLoopBackOff" (waiting in back-off).
  std::string state = "running";
  // When set, the kubelet killed the container: a Normal Killing event with this message
  // ("Container app failed liveness probe, will be restarted").
  std::string killing;
};

// The container instance ends (its log becomes the previous one) and the next begins: status
// (restartCount, containerID, lastState.terminated, state), then the kubelet's events.
// Throws kmg::Error when the pod or container does not exist.
void restart_container(Store& store, const RestartSpec& spec);

// Object by apiVersion/kind/namespace/name; throws kmg::Error for an unknown kind.
ObjectPtr patch_object(Store& store, const std::string& api_version, const std::string& kind,
                       const std::string& ns, const std::string& name, const json& merge_patch);
ObjectPtr delete_object(Store& store, const std::string& api_version, const std::string& kind,
                        const std::string& ns, const std::string& name);

// The namespace turns Terminating (MODIFIED), every object in it is DELETED, then the namespace.
void delete_namespace(Store& store, const std::string& name);

}  // namespace kmg::fakeapi
