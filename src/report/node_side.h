// The node side of a bundle (node-logs/<node>/): which images each node's containerd holds
// (images.log, from `crictl images` or `ctr -n k8s.io images ls`) and the journal lines that say
// which image a pod waits for, which import failed, and what containerd and the kubelet
// complained about. Read line by line while the loader streams the files: a journal is never
// held whole.
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "report/model.h"

namespace kmg::report {

// An image reference as containerd and the kubelet store it: "nginx" is
// "docker.io/library/nginx:latest", "org/app" is "docker.io/org/app:latest", a reference with a
// registry ("localhost/app:e2e", "registry.k8s.io/pause:3.10") keeps it.
std::string normalize_image(std::string_view ref);

// Kubernetes' and Kind's own images (registry.k8s.io, kindest): listed after the others.
bool system_image(std::string_view normalized);

// The message of a journal line: "Mon dd hh:mm:ss host ident[pid]: " removed (a line without
// that prefix is returned whole). `ident` receives "kubelet", "containerd"... when present.
std::string_view journal_message(std::string_view line, std::string_view* ident = nullptr);

// Feeds one node file into its NodeSide.
class NodeSideScanner {
 public:
  NodeSideScanner(NodeSide& side, std::string file);
  // The node files this scanner reads: images.log and the kubelet, containerd and whole journals.
  static bool reads(std::string_view file);
  void feed(std::string_view chunk);
  void finish();

 private:
  void line(std::string_view raw);
  void image_row(std::string_view row);
  bool image_wait_line(std::string_view line, std::string_view message);
  void kubelet_line(std::string_view line, std::string_view message);
  void containerd_line(std::string_view line, std::string_view message);

  NodeSide& side_;
  std::string file_;
  std::string partial_;
  enum class Listing { unknown, crictl, ctr } listing_ = Listing::unknown;
  std::set<std::string> seen_;  // dedup keys of the capped journal lines
};

}  // namespace kmg::report
