// Helpers shared by the detector families: building candidates, evidence lines, reading
// conditions and container statuses. Pure functions over JSON already loaded in the Model.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

bool contains_ci(std::string_view haystack, std::string_view needle);
bool starts_with(std::string_view s, std::string_view prefix);
// Newlines folded to spaces, trimmed.
std::string one_line(std::string_view s);
// " (x12)" for a repeated event, "" for one.
std::string times(long n);
// "1 pod" / "3 pods".
std::string plural(std::size_t n, const std::string& word);

// A candidate about a pod, reported on its owner (Deployment, Job...) so replicas group.
Candidate make(const ClusterCtx& ctx, const PodView& pv, const std::string& detector, Severity sev,
               const std::string& detail);
// A candidate about any object of the cluster.
Candidate make_obj(const ClusterCtx& ctx, const nlohmann::json& obj, const std::string& kind,
                   const std::string& detector, Severity sev);

const nlohmann::json* container_spec(const nlohmann::json& pod, const std::string& name);

struct ContainerView {
  const nlohmann::json& status;
  std::string name;
  const nlohmann::json* spec;
};
// Every init and app container status of a pod, with its spec.
void for_each_container(const nlohmann::json& pod,
                        const std::function<void(const ContainerView&)>& fn);

// "event Warning Reason: message (xN)" lines for the events whose reason is listed (all if empty).
void add_event_evidence(const std::vector<const nlohmann::json*>& events, Finding& f,
                        const std::vector<std::string>& reasons, std::size_t cap = 5);
void add_log_tail(const LogInfo* log, Finding& f);
std::string probe_text(const nlohmann::json& probe);
// "configmap app-config", "key password in Secret default/db", or empty.
std::string missing_reference(const std::string& text);

const nlohmann::json* condition(const nlohmann::json& obj, const std::string& type);
long num(const nlohmann::json& obj, std::initializer_list<const char*> path, long def = 0);
bool selector_matches(const nlohmann::json& selector, const nlohmann::json& labels);

// Pod state in one phrase: "x is Pending: container app ErrImagePull".
std::string pod_state(const ClusterCtx& ctx, const nlohmann::json& pod);
bool pod_ready(const nlohmann::json& pod);
bool unschedulable(const nlohmann::json& pod);
// The scheduler's last word on a pod: the FailedScheduling event or the PodScheduled condition.
std::string scheduling_message(const ClusterCtx& ctx, const std::string& ns,
                               const nlohmann::json& pod);
// The events of one object whose reason is one of `reasons`.
std::vector<const nlohmann::json*> events_with(const ClusterCtx& ctx, const std::string& kind,
                                               const std::string& ns, const std::string& name,
                                               std::initializer_list<std::string_view> reasons);
ObjectRef pod_ref(const ClusterCtx& ctx, const nlohmann::json& pod);

}  // namespace kmg::report::detect
