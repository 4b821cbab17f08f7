// The mustache view of an Analysis: the header, then each section in its own file.
#include "report/render.h"
#include "util/text.h"

namespace kmg::report {

nlohmann::json markdown_view(const Analysis& a) {
  const Model& m = a.model;
  nlohmann::json v;
  v["verdict"] = md_inline(a.verdict);
  v["status"] = a.status;
  const nlohmann::json& tool = at_path(m.manifest, {"tool"});
  v["collected"] =
      md_inline(str(m.manifest, "started_at") + " to " + str(m.manifest, "finished_at") + " by " +
                str(tool, "name") + " " + str(tool, "version"));
  v["command_line"] = md_cell(str(m.manifest, "command_line"));
  view_root_causes(a, v);
  view_findings(a, v);
  view_cluster(a, v);
  view_timeline(a, v);
  view_evidence(a, v);
  view_traces(a, v);
  view_tests(a, v);
  view_collection(a, v);
  return v;
}

}  // namespace kmg::report
