#include "collectors/pods.h"

#include "bundle/layout.h"
#include "collectors/common.h"
#include "collectors/describe/describe_pod.h"
#include "collectors/sanitize.h"
#include "discovery/cluster_target.h"
#include "util/redact.h"
#include "util/yaml_emit.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "pods";

void write_pod(ClusterContext& ctx, const nlohmann::json& pod) {
  const std::string ns = str_at(pod, "/metadata/namespace");
  const std::string name = str_at(pod, "/metadata/name");
  nlohmann::json clean = pod;
  clean["apiVersion"] = "v1";
  clean["kind"] = "Pod";
  sanitize_object(clean, ctx.redactor);
  write_output(ctx, kName, bundle::layout::pod_yaml(ctx.target.name, ns, name), to_yaml(clean));
  // Describe from the sanitized object so env values are masked the same way as in the YAML.
  const std::string text = describe::describe_pod(clean, events_for(ctx.snapshot, pod, "Pod"),
                                                  ctx.options.started_at_ns);
  write_output(ctx, kName, bundle::layout::pod_describe(ctx.target.name, ns, name),
               ctx.redactor.redact(text));
}

// Appends the events indexed under `key` (an involvedObject uid, or "ns/kind/name").
void append_events(const ClusterSnapshot& snapshot, const std::string& key,
                   std::vector<const nlohmann::json*>& out) {
  const auto [begin, end] = snapshot.events_by_object.equal_range(key);
  for (auto it = begin; it != end; ++it) out.push_back(&snapshot.events[it->second]);
}

}  // namespace

std::vector<const nlohmann::json*> events_for(const ClusterSnapshot& snapshot,
                                              const nlohmann::json& obj, const std::string& kind) {
  std::vector<const nlohmann::json*> out;
  std::string key = str_at(obj, "/metadata/uid");
  if (key.empty()) {
    key = str_at(obj, "/metadata/namespace") + "/" + kind + "/" + str_at(obj, "/metadata/name");
  }
  append_events(snapshot, key, out);
  return out;
}

std::vector<const nlohmann::json*> node_events(const ClusterSnapshot& snapshot,
                                               const nlohmann::json& node) {
  std::vector<const nlohmann::json*> out = events_for(snapshot, node, "Node");
  const std::string name = str_at(node, "/metadata/name");
  if (!name.empty() && name != str_at(node, "/metadata/uid")) append_events(snapshot, name, out);
  return out;
}

void collect_pods(ClusterContext& ctx) {
  write_list_streamed(ctx, kName, bundle::layout::list_json(ctx.target.name, "", "pods"), "PodList",
                      "v1", ctx.snapshot.pods);
  TaskGroup group(ctx);
  for (const auto& pod : ctx.snapshot.pods) {
    group.run([&ctx, &pod] { write_pod(ctx, pod); });
  }
  group.wait();
}

}  // namespace kmg::collectors
