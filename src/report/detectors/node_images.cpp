// The node side of a Kind cluster: the images each node's containerd holds and what its kubelet
// and containerd journals say, as evidence for the image findings and for an unreachable API
// server, and as the only image diagnosis when the API server was down.
#include "report/detectors/node_images.h"

#include <algorithm>
#include <vector>

#include "bundle/layout.h"
#include "report/detectors/common.h"
#include "report/node_side.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

constexpr std::size_t kMaxListedImages = 10;  // names per node in a finding's evidence
constexpr std::size_t kMaxErrorLines = 2;     // last containerd / kubelet errors per node

const NodeSide* side_of(const ClusterCtx& ctx, const std::string& node) {
  auto it = ctx.c.node_side.find(node);
  return it == ctx.c.node_side.end() ? nullptr : &it->second;
}

std::string images_file(const ClusterCtx& ctx, const std::string& node) {
  return bundle::layout::node_log(ctx.c.dir, node, "images.log");
}

// The images by name: digest-only references (ctr's --digests "import-...@sha256:...") say
// nothing a pod spec would.
std::vector<std::string> named_images(const NodeSide& side) {
  std::vector<std::string> names;
  for (const auto& image : side.images)
    if (image.find('@') == std::string::npos) names.push_back(image);
  return names;
}

// "a, b, c (+4 more in FILE)": the images a user loaded first, Kubernetes' and Kind's own after.
std::string image_list(const ClusterCtx& ctx, const std::string& node,
                       std::vector<std::string> names) {
  std::stable_partition(names.begin(), names.end(),
                        [](const std::string& n) { return !system_image(n); });
  const std::size_t shown = std::min(names.size(), kMaxListedImages);
  std::string out = join({names.begin(), names.begin() + static_cast<std::ptrdiff_t>(shown)}, ", ");
  if (names.size() > shown)
    out +=
        " (+" + std::to_string(names.size() - shown) + " more in " + images_file(ctx, node) + ")";
  return out;
}

void add_lines(Finding& f, const std::string& prefix, const std::vector<NodeLine>& lines,
               std::size_t cap) {
  const std::size_t from = lines.size() > cap ? lines.size() - cap : 0;
  for (std::size_t i = from; i < lines.size(); ++i)
    f.evidence.push_back(prefix + " (" + lines[i].file + "): " + lines[i].text);
}

void add_import_failures(const std::string& node, const NodeSide& side, Finding& f) {
  add_lines(f, "node " + node + " failed image import", side.import_failures,
            side.import_failures.size());
}

Candidate missing_candidate(const ClusterCtx& ctx, const std::string& node, const ImageWait& w) {
  Candidate c;
  c.f.detector = "node-image-missing";
  c.f.severity = Severity::critical;
  c.f.object = ObjectRef{ctx.c.name, "", "Node", node};
  c.f.id = "node-image-missing:" + ctx.c.name + "/Node/" + node + "/" + w.image;
  c.group = c.f.id;
  c.f.title =
      node_store_holds(ctx, node, w.image).has_value()
          ? "Image " + w.image + " is missing from the containerd store of node " + node
          : "The kubelet on node " + node + " waits for image " + w.image + " (" + w.reason + ")";
  c.f.evidence.push_back("kubelet on " + node + " (" + w.line.file + "): " + w.line.text);
  add_node_store_evidence(ctx, node, w.image, w.reason == "ErrImageNeverPull", c.f);
  c.f.cause = "The kubelet on " + node + " waits for " + w.image + " (" + w.reason +
              ") and the node's own containerd does not hold it: the image was never loaded "
              "into the node, or its import failed. Read from the node: the API server was "
              "not reachable.";
  c.f.next_step = ctx.load_image_step(w.image);
  return c;
}

}  // namespace

std::optional<bool> node_store_holds(const ClusterCtx& ctx, const std::string& node,
                                     const std::string& image) {
  const NodeSide* side = side_of(ctx, node);
  if (side == nullptr || !side->has_images || image.empty()) return std::nullopt;
  return side->images.count(normalize_image(image)) > 0;
}

void add_node_store_evidence(const ClusterCtx& ctx, const std::string& node,
                             const std::string& image, bool never_loaded, Finding& f) {
  const NodeSide* side = side_of(ctx, node);
  if (side == nullptr) return;
  if (node_store_holds(ctx, node, image) == false) {
    const bool kind = ctx.profile.platform == Platform::kind;
    f.evidence.push_back(
        "image " + image + " is missing from the containerd store of node " + node + " (" +
        images_file(ctx, node) + " lists " + plural(named_images(*side).size(), "image") + ")" +
        (never_loaded && kind ? ": it was never loaded (kind load docker-image)" : ""));
  }
  add_import_failures(node, *side, f);
}

void add_node_side_evidence(const ClusterCtx& ctx, Finding& f) {
  for (const auto& [node, side] : ctx.c.node_side) {
    if (side.has_images) {
      auto names = named_images(side);
      const std::string count = plural(names.size(), "image");
      const std::string list = names.empty() ? "" : ": " + image_list(ctx, node, std::move(names));
      f.evidence.push_back("node " + node + ": containerd holds " + count + list);
    }
    add_import_failures(node, side, f);
    add_lines(f, "node " + node + " containerd error", side.containerd_errors, kMaxErrorLines);
    add_lines(f, "node " + node + " kubelet error", side.kubelet_errors, kMaxErrorLines);
  }
}

void node_image_missing(const ClusterCtx& ctx, Out& out) {
  // With a pod list the pod detectors (image-not-loaded, image-pull) say it, with this evidence.
  if (ctx.c.lists.count("pods") > 0) return;
  for (const auto& [node, side] : ctx.c.node_side)
    for (const auto& w : side.image_waits)
      if (node_store_holds(ctx, node, w.image) != true)
        out.push_back(missing_candidate(ctx, node, w));
}

}  // namespace kmg::report::detect
