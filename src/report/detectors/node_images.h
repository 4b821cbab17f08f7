// What the nodes themselves say (node-logs/<node>/): the images each node's containerd holds and
// the journal lines of the kubelet and containerd. With the API server up this confirms an image
// finding from the node's own store; with it down, it is all the report has.
#pragma once

#include <optional>
#include <string>

#include "report/detectors/detector.h"

namespace kmg::report::detect {

// Whether `node`'s containerd store holds `image`; nullopt when the bundle has no image list of
// that node.
std::optional<bool> node_store_holds(const ClusterCtx& ctx, const std::string& node,
                                     const std::string& image);
// Evidence from the node's store and journal for an image a container on `node` waits for.
// `never_loaded`: the image is one only a load puts on the node (ErrImageNeverPull, local-only).
void add_node_store_evidence(const ClusterCtx& ctx, const std::string& node,
                             const std::string& image, bool never_loaded, Finding& f);
// Per node: the images its containerd holds, its failed imports and the last containerd and
// kubelet errors (for the API server's unreachable finding).
void add_node_side_evidence(const ClusterCtx& ctx, Finding& f);
// Cluster scope, when the bundle has no pod list (the API server was down): an image the
// kubelet's journal says a container waits for, missing from that node's containerd store.
void node_image_missing(const ClusterCtx& ctx, Out& out);

}  // namespace kmg::report::detect
