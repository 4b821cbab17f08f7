#include "collectors/events.h"

#include "bundle/layout.h"
#include "collectors/common.h"
#include "collectors/describe/events_table.h"
#include "collectors/sanitize.h"
#include "discovery/cluster_target.h"
#include "util/redact.h"

namespace kmg::collectors {
namespace {

constexpr const char* kName = "events";

}  // namespace

void collect_events(ClusterContext& ctx) {
  // core/v1 events are already in the snapshot (listed once, shared with describe).
  write_list_streamed(ctx, kName, bundle::layout::events_json(ctx.target.name), "EventList", "v1",
                      ctx.snapshot.events);

  std::vector<const nlohmann::json*> all;
  all.reserve(ctx.snapshot.events.size());
  for (const auto& e : ctx.snapshot.events) all.push_back(&e);
  write_output(ctx, kName, bundle::layout::events_txt(ctx.target.name),
               ctx.redactor.redact(describe::events_table(all, ctx.options.started_at_ns)));

  // events.k8s.io/v1 carries what core/v1 flattens (series, related, reportingController).
  if (auto richer = fetch_list(ctx, kName, "/apis/events.k8s.io/v1/events")) {
    sanitize_object(*richer, ctx.redactor);
    write_output(ctx, kName, bundle::layout::list_json(ctx.target.name, "events.k8s.io", "events"),
                 richer->dump(1));
  }
}

}  // namespace kmg::collectors
