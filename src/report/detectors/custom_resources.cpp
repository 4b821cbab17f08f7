// Custom resources whose controller reports them as not ready or failed, read from the
// conventional conditions (Ready, Available, Synced...) and status.phase.
#include "report/detectors/custom_resources.h"

#include "report/detectors/common.h"
#include "util/text.h"

namespace kmg::report::detect {

using nlohmann::json;

void custom_resource(const ClusterCtx& ctx, Out& out) {
  for (const auto& [key, items] : ctx.c.lists) {
    if (is_builtin_list(key)) continue;
    for (const auto& obj : items) {
      std::vector<std::string> bad;
      const json& conds = at_path(obj, {"status", "conditions"});
      if (conds.is_array()) {
        for (const auto& cond : conds) {
          const std::string type = str(cond, "type");
          const std::string status = str(cond, "status");
          const bool positive = type == "Ready" || type == "Available" || type == "Healthy" ||
                                type == "Synced" || type == "Succeeded";
          const bool negative =
              type == "Failed" || type == "Degraded" || type == "Stalled" || type == "Error";
          if ((positive && status == "False") || (negative && status == "True"))
            bad.push_back(type + "=" + status + " " + str(cond, "reason") + ": " +
                          one_line(str(cond, "message")));
        }
      }
      const std::string phase = str(at_path(obj, {"status"}), "phase");
      if (phase == "Failed" || phase == "Error" || phase == "Degraded")
        bad.push_back("status.phase=" + phase);
      if (bad.empty()) continue;
      std::string kind = str(obj, "kind");
      if (kind.empty()) kind = key;
      Candidate c = make_obj(ctx, obj, kind, "custom-resource", Severity::error);
      c.f.title = kind + " " + c.f.object.name + " is not healthy (" +
                  bad.front().substr(0, bad.front().find(':')) + ")";
      c.f.evidence = bad;
      if (!str(obj, "apiVersion").empty())
        c.f.evidence.push_back("apiVersion: " + str(obj, "apiVersion"));
      c.f.cause = "Its controller reports it as not ready or failed.";
      c.f.next_step = "Read the condition message above and the controller's log.";
      out.push_back(std::move(c));
    }
  }
}

}  // namespace kmg::report::detect
