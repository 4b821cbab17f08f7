// Nodes: not Ready, or under memory/disk/PID pressure.
#include "report/detectors/nodes.h"

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {

using nlohmann::json;

void node_not_ready(const ClusterCtx& ctx, Out& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    const json* ready = condition(n, "Ready");
    if (ready && str(*ready, "status") != "True") {
      Candidate c = make_obj(ctx, n, "Node", "node-not-ready", Severity::critical);
      c.f.title = "Node " + c.f.object.name + " is NotReady";
      c.f.evidence.push_back("Ready=" + str(*ready, "status") + " " + str(*ready, "reason") + ": " +
                             one_line(str(*ready, "message")));
      c.f.cause =
          "The kubelet on the node is not reporting healthy (often the CNI is not up, or "
          "the node container is stopped).";
      c.f.next_step = "Read the node's kubelet.log and containerd.log in node-logs/, or: " +
                      ctx.node_shell_step(c.f.object.name, "journalctl -u kubelet");
      out.push_back(std::move(c));
    }
  }
}

void node_pressure(const ClusterCtx& ctx, Out& out) {
  for (const auto& n : ctx.c.items("nodes")) {
    for (const char* p : {"MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"}) {
      const json* cond = condition(n, p);
      if (!cond || str(*cond, "status") != "True") continue;
      Candidate c = make_obj(ctx, n, "Node", "node-pressure", Severity::warning);
      c.f.id += std::string("/") + p;
      c.group = c.f.id;
      c.f.title = "Node " + c.f.object.name + " has " + p;
      c.f.evidence.push_back(std::string(p) + "=True " + str(*cond, "reason") + ": " +
                             one_line(str(*cond, "message")));
      c.f.cause = "The node is short of a resource; the kubelet may evict pods.";
      c.f.next_step = std::string(p) == "DiskPressure"
                          ? "To relieve it, " + free_space_step(ctx.profile, c.f.object.name) + "."
                          : "Move workloads off the node, or give the nodes more resources.";
      out.push_back(std::move(c));
    }
  }
}

}  // namespace kmg::report::detect
