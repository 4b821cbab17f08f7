// Images: not loaded into a Kind node, not pullable (with the registry's reason), or not a
// valid reference at all.
#include "report/detectors/images.h"

#include <algorithm>

#include "report/detectors/common.h"
#include "report/detectors/node_images.h"
#include "util/text.h"

namespace kmg::report::detect {
namespace {

using nlohmann::json;

bool has_registry(std::string_view image) {
  const auto slash = image.find('/');
  if (slash == std::string_view::npos) return false;
  const std::string_view first = image.substr(0, slash);
  return first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
         first == "localhost";
}

std::string image_tag(std::string_view image) {
  const auto at = image.find('@');
  if (at != std::string_view::npos) image = image.substr(0, at);
  const auto colon = image.rfind(':');
  const auto slash = image.rfind('/');
  if (colon == std::string_view::npos || (slash != std::string_view::npos && colon < slash))
    return "latest";
  return std::string(image.substr(colon + 1));
}

// An image that only exists where someone built it: a registry cannot serve it.
bool local_only_image(std::string_view image) {
  if (starts_with(image, "localhost/") || starts_with(image, "kind.local/")) return true;
  if (has_registry(image)) return false;
  const std::string tag = image_tag(image);
  return tag == "dev" || tag == "e2e" || tag == "local" || tag == "test" || tag == "ci";
}

std::vector<std::string> image_aliases(const std::string& image) {
  std::vector<std::string> out{image};
  std::string full = image;
  if (image_tag(image) == "latest" && image.find(':', image.rfind('/') + 1) == std::string::npos &&
      image.find('@') == std::string::npos)
    full += ":latest";
  out.push_back(full);
  if (!has_registry(image)) {
    if (image.find('/') == std::string::npos) out.push_back("docker.io/library/" + full);
    out.push_back("docker.io/" + full);
  }
  if (starts_with(image, "localhost/")) out.push_back(full.substr(10));
  return out;
}

bool image_on_node(const ClusterCtx& ctx, const std::string& node, const std::string& image) {
  // The node's own containerd store, when gathered, is the truth status.images lags behind.
  if (auto held = node_store_holds(ctx, node, image)) return *held;
  const auto aliases = image_aliases(image);
  for (const auto& n : ctx.c.items("nodes")) {
    if (!node.empty() && str(at_path(n, {"metadata"}), "name") != node) continue;
    const json& images = at_path(n, {"status", "images"});
    if (!images.is_array()) continue;
    for (const auto& img : images)
      for (const auto& name : img.value("names", json::array()))
        if (name.is_string() &&
            std::find(aliases.begin(), aliases.end(), name.get<std::string>()) != aliases.end())
          return true;
  }
  return false;
}

struct PullClass {
  std::string label, cause, next;
};

PullClass classify_pull(const std::string& text, const std::string& image, const ClusterCtx& ctx) {
  const std::string t = to_lower(text);
  auto has = [&](std::string_view s) { return t.find(s) != std::string::npos; };
  if (has("429") || has("toomanyrequests") || has("rate limit"))
    return {"rate limited", "The registry refused the pull: pull rate limit reached (429).",
            "Authenticate to the registry, use a mirror, or pre-load the image: " +
                ctx.load_image_step(image)};
  if (has("unauthorized") || has("authorization failed") || has("pull access denied") ||
      has("403 forbidden") || has("denied"))
    return {"unauthorized",
            "The registry denied access: the image is private or does not exist under that name.",
            "Check the image name, and add an imagePullSecret if the repository is private."};
  if (has("not found") || has("manifest unknown") || has("name unknown"))
    return {"not found", "The registry has no image with this name and tag.",
            "Check the image name and tag, and that the image was pushed."};
  // Before the network class: "Get https://reg/v2/: x509: certificate ..." also names the dial.
  if (has("x509") || has("certificate signed by unknown authority") ||
      has("certificate is not valid"))
    return {"TLS certificate",
            "The registry's TLS certificate is not trusted by the node or not valid for that "
            "name (x509).",
            "Check the registry name in the image; for a private registry, make the Kind "
            "node's containerd trust its CA, or pre-load the image: " +
                ctx.load_image_step(image)};
  if (has("no such host") || has("i/o timeout") || has("connection refused") || has("dial tcp") ||
      has("network is unreachable") || has("tls handshake"))
    return {"DNS/network", "The node could not reach the registry (DNS, network or TLS).",
            "Check the node's DNS and proxy settings, or pre-load the image: " +
                ctx.load_image_step(image)};
  return {"unknown", "The image could not be pulled.", "Read the pull error in the events."};
}

bool pull_waiting(const std::string& reason) {
  return reason == "ErrImageNeverPull" || reason == "ErrImagePull" || reason == "ImagePullBackOff";
}

std::string container_image(const ContainerView& cv) {
  std::string image = cv.spec ? str(*cv.spec, "image") : "";
  return image.empty() ? str(cv.status, "image") : image;
}

// The image is one the node must already hold: ErrImageNeverPull, or a local-only name that the
// node lacks under a policy that does not (or cannot usefully) pull.
bool not_loaded(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv,
                const std::string& reason) {
  const std::string image = container_image(cv);
  const std::string policy = cv.spec ? str(*cv.spec, "imagePullPolicy") : "";
  return reason == "ErrImageNeverPull" ||
         (local_only_image(image) &&
          (policy == "Never" || policy == "IfNotPresent" || image_tag(image) != "latest") &&
          !image_on_node(ctx, pv.node, image));
}

std::string pull_error(const std::vector<const json*>& events, const std::string& fallback) {
  std::string out;
  for (const json* ev : events)
    if (starts_with(str(*ev, "message"), "Failed to pull image")) out = str(*ev, "message");
  return out.empty() ? fallback : out;
}

void not_loaded_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv,
                          Out& out) {
  const json& waiting = at_path(cv.status, {"state", "waiting"});
  const std::string reason = str(waiting, "reason");
  const std::string message = str(waiting, "message");
  if (!pull_waiting(reason) || !not_loaded(ctx, pv, cv, reason)) return;
  const std::string image = container_image(cv);
  const std::string policy = cv.spec ? str(*cv.spec, "imagePullPolicy") : "";
  Candidate c = make(ctx, pv, "image-not-loaded", Severity::critical, cv.name);
  const bool kind = ctx.profile.platform == Platform::kind;
  c.f.title =
      "Image " + image + (kind ? " is not loaded into the Kind node" : " is not on the node");
  c.f.evidence.push_back("container " + cv.name + " waiting: " + reason +
                         (message.empty() ? "" : ": " + one_line(message)));
  c.f.evidence.push_back("imagePullPolicy: " + (policy.empty() ? "(default)" : policy));
  c.f.evidence.push_back("image " + image + " is not in status.images of node " +
                         (pv.node.empty() ? "(unscheduled)" : pv.node));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"ErrImageNeverPull", "Failed"},
                     3);
  add_node_store_evidence(ctx, pv.node, image, true, c.f);
  c.f.cause = kind ? "The image exists only on the build machine and was not loaded into the Kind "
                     "node; with this pull policy the kubelet will not (or cannot) pull it."
                   : "The node does not hold the image, and with this pull policy the kubelet "
                     "will not (or cannot) pull it from a registry.";
  c.f.next_step = ctx.load_image_step(image);
  out.push_back(std::move(c));
}

void pull_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv, Out& out) {
  const json& waiting = at_path(cv.status, {"state", "waiting"});
  const std::string reason = str(waiting, "reason");
  if (!pull_waiting(reason) || not_loaded(ctx, pv, cv, reason)) return;
  const std::string image = container_image(cv);
  const auto events = ctx.events_for("Pod", pv.ns, pv.name);
  const std::string error = pull_error(events, str(waiting, "message"));
  const PullClass pc = classify_pull(error, image, ctx);
  Candidate c = make(ctx, pv, "image-pull", Severity::error, cv.name);
  c.f.title = "Cannot pull image " + image + " (" + pc.label + ")";
  c.f.evidence.push_back("container " + cv.name + " waiting: " + reason);
  if (!error.empty()) c.f.evidence.push_back(one_line(error));
  add_event_evidence(events, c.f, {"Failed", "BackOff"}, 4);
  add_node_store_evidence(ctx, pv.node, image, false, c.f);
  c.f.cause = pc.cause;
  c.f.next_step = pc.next;
  out.push_back(std::move(c));
}

// The kubelet refuses a reference it cannot parse before any pull: waiting InvalidImageName,
// event InspectFailed "Failed to apply default image tag ...: couldn't parse image name".
void invalid_name_container(const ClusterCtx& ctx, const PodView& pv, const ContainerView& cv,
                            Out& out) {
  const json& waiting = at_path(cv.status, {"state", "waiting"});
  if (str(waiting, "reason") != "InvalidImageName") return;
  const std::string image = container_image(cv);
  Candidate c = make(ctx, pv, "invalid-image-name", Severity::error, cv.name);
  c.f.title = "Image reference \"" + image + "\" of container " + cv.name + " is not valid";
  c.f.evidence.push_back(
      "container " + cv.name + " waiting: InvalidImageName" +
      (str(waiting, "message").empty() ? "" : ": " + one_line(str(waiting, "message"))));
  add_event_evidence(ctx.events_for("Pod", pv.ns, pv.name), c.f, {"InspectFailed", "Failed"}, 3);
  c.f.cause =
      "The image reference does not parse (an empty tag, upper-case letters, a stray space or "
      "an unexpanded variable), so the kubelet never tries to pull it.";
  c.f.next_step =
      "Fix the image field of container " + cv.name +
      " (repository[:tag][@digest], lower case); check the templating that produced it.";
  out.push_back(std::move(c));
}

}  // namespace

void image_not_loaded(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  for_each_container(pv.pod,
                     [&](const ContainerView& cv) { not_loaded_container(ctx, pv, cv, out); });
}

void image_pull(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  for_each_container(pv.pod, [&](const ContainerView& cv) { pull_container(ctx, pv, cv, out); });
}

void invalid_image_name(const ClusterCtx& ctx, const PodView& pv, Out& out) {
  for_each_container(pv.pod,
                     [&](const ContainerView& cv) { invalid_name_container(ctx, pv, cv, out); });
}

}  // namespace kmg::report::detect
