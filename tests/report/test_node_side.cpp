// The node side of the report: the images a node's containerd holds (crictl and ctr listings),
// the kubelet and containerd journal lines, and the findings they make with the API server up
// and down.
#include <string>

#include <doctest/doctest.h>

#include "report/model.h"
#include "report/node_side.h"
#include "report_fixture.h"

using kmg::report::NodeSide;
using kmg::report::NodeSideScanner;
using kmg::report::normalize_image;
using kmg::testing::BundleFixture;
using kmg::testing::finding_text;
using kmg::testing::findings_of;
using kmg::testing::make_event;
using kmg::testing::make_pod;
using nlohmann::json;

namespace {

// Fed in small chunks: lines cross chunk boundaries as they do when streamed from an archive.
NodeSide scan(const std::string& file, const std::string& text) {
  NodeSide side;
  NodeSideScanner s(side, file);
  for (std::size_t at = 0; at < text.size(); at += 7) s.feed(std::string_view(text).substr(at, 7));
  s.finish();
  return side;
}

// `crictl images` as a Kind node prints it.
const char* kCrictl =
    "IMAGE                                      TAG                  IMAGE ID            SIZE\n"
    "docker.io/kindest/kindnetd                 v20240202-8f1494ea   4740c1948d3fc       27.8MB\n"
    "docker.io/library/nginx                    1.27                 1f94323bb8d2a       72.1MB\n"
    "localhost/shop-web                         dev                  9c2f0d1e7a6b3       12.4MB\n"
    "registry.k8s.io/pause                      3.10                 873ed75102791       320kB\n"
    "quay.io/org/untagged                       <none>               5d1c3a8b2e4f9       1MB\n";

// `ctr -n k8s.io images ls` after `kind load` (the digest reference comes from --digests).
const char* kCtr =
    "REF                                  TYPE                                                 "
    "DIGEST                                                                  SIZE      "
    "PLATFORMS   LABELS\n"
    "localhost/orders-api:ci              application/vnd.docker.distribution.manifest.v2+json "
    "sha256:0d3f1c2b4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8 1.2 KiB   "
    "linux/amd64 io.cri-containerd.image=managed\n"
    "import-2026-02-04@sha256:0d3f1c2b4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8 "
    "application/vnd.docker.distribution.manifest.v2+json "
    "sha256:0d3f1c2b4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8 1.2 KiB "
    "linux/amd64 -\n"
    "sha256:7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b "
    "application/vnd.docker.distribution.manifest.v2+json "
    "sha256:0d3f1c2b4a5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8 1.2 KiB "
    "linux/amd64 io.cri-containerd.image=managed\n"
    "registry.k8s.io/coredns/coredns:v1.11.3 application/vnd.oci.image.index.v1+json "
    "sha256:9caabbf6238b189a65d0d6e6ac138de60d6a1c419e5a341fbbb7c78382559c6e 16.9 MiB "
    "linux/amd64,linux/arm64 io.cri-containerd.image=managed\n";

// The kubelet's journal (kubelet.log) of a node whose pod waits for an image never loaded; the
// quotes are escaped twice, as pod_workers.go nests the error.
const char* kKubeletNeverPull =
    "Feb 04 10:16:01 kind-worker kubelet[301]: I0204 10:16:01.000001     301 kubelet.go:2400] "
    "\"SyncLoop ADD\" source=\"api\" pods=[\"shop/orders-api-7c9d8f6b5-q2w3e\"]\n"
    "Feb 04 10:16:02 kind-worker kubelet[301]: E0204 10:16:02.123456     301 "
    "pod_workers.go:1301] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" "
    "for \\\"api\\\" with ErrImageNeverPull: \\\"Container image "
    "\\\\\\\"localhost/orders-api:v2\\\\"
    "\\\" is not present with pull policy of Never\\\"\" pod=\"shop/orders-api-7c9d8f6b5-q2w3e\"\n"
    "Feb 04 10:16:03 kind-worker kubelet[301]: E0204 10:16:03.000001     301 "
    "kubelet_node_status.go:549] \"Error updating node status, will retry\" err=\"error getting "
    "node: Get \\\"https://kind-control-plane:6443/api/v1/nodes/kind-worker\\\": dial tcp "
    "172.18.0.2:6443: connect: connection refused\"\n";

const char* kContainerd =
    "Feb 04 10:15:40 kind-worker containerd[120]: time=\"2026-02-04T10:15:40.1Z\" level=info "
    "msg=\"ImageCreate event name:\\\"localhost/orders-api:ci\\\"\"\n"
    "Feb 04 10:15:41 kind-worker containerd[120]: time=\"2026-02-04T10:15:41.2Z\" level=error "
    "msg=\"(*service).Write failed\" error=\"rpc error: code = Canceled desc = context canceled\" "
    "expected=\"sha256:5e6f\" ref=\"layer-sha256:5e6f\" total=4096\n"
    "Feb 04 10:15:50 kind-worker containerd[120]: time=\"2026-02-04T10:15:50.3Z\" level=error "
    "msg=\"failed to reload cni configuration after receiving fs change event\" "
    "error=\"cni config load failed: no network config found in /etc/cni/net.d\"\n";

json pod_on(const std::string& node, const std::string& image, const std::string& reason,
            const std::string& policy) {
  json status{
      {"phase", "Pending"},
      {"containerStatuses", json::array({{{"name", "api"},
                                          {"ready", false},
                                          {"restartCount", 0},
                                          {"image", image},
                                          {"state", {{"waiting", {{"reason", reason}}}}}}})}};
  json spec{{"nodeName", node},
            {"containers",
             json::array({{{"name", "api"}, {"image", image}, {"imagePullPolicy", policy}}})}};
  return make_pod("shop", "orders-api-7c9d8f6b5-q2w3e", status, spec);
}

void two_nodes(BundleFixture& b, const std::string& control_plane_state) {
  b.manifest()["clusters"]["kind"]["nodes"] = json::array(
      {{{"name", "kind-control-plane"}, {"role", "control-plane"}, {"state", control_plane_state}},
       {{"name", "kind-worker"}, {"role", "worker"}, {"state", "running"}}});
}

}  // namespace

TEST_SUITE("report") {
  TEST_CASE("image references are named as containerd stores them") {
    CHECK(normalize_image("nginx") == "docker.io/library/nginx:latest");
    CHECK(normalize_image("nginx:1.27") == "docker.io/library/nginx:1.27");
    CHECK(normalize_image("org/app") == "docker.io/org/app:latest");
    CHECK(normalize_image("localhost/app:e2e") == "localhost/app:e2e");
    CHECK(normalize_image("localhost:5001/app") == "localhost:5001/app:latest");
    CHECK(normalize_image("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10");
    CHECK(normalize_image("app@sha256:abcd") == "docker.io/library/app@sha256:abcd");
  }

  TEST_CASE("crictl's and ctr's image listings give the references containerd holds") {
    const NodeSide crictl = scan("images.log", kCrictl);
    CHECK(crictl.has_images);
    CHECK(crictl.images.count("docker.io/library/nginx:1.27") == 1);
    CHECK(crictl.images.count("localhost/shop-web:dev") == 1);
    CHECK(crictl.images.count("registry.k8s.io/pause:3.10") == 1);
    CHECK(crictl.images.size() == 4);  // the <none> tag names nothing a pod could use
    const NodeSide ctr = scan("images.log", kCtr);
    CHECK(ctr.images.count("localhost/orders-api:ci") == 1);
    CHECK(ctr.images.count("registry.k8s.io/coredns/coredns:v1.11.3") == 1);
    for (const auto& ref : ctr.images) CHECK(ref.rfind("sha256:", 0) != 0);
    CHECK(scan("images.log", "").has_images);
    CHECK(scan("images.log", "").images.empty());
  }

  TEST_CASE("journal lines: the image a pod waits for, failed imports, containerd errors") {
    const NodeSide kubelet = scan("kubelet.log", kKubeletNeverPull);
    REQUIRE(kubelet.image_waits.size() == 1);
    CHECK(kubelet.image_waits[0].image == "localhost/orders-api:v2");
    CHECK(kubelet.image_waits[0].reason == "ErrImageNeverPull");
    REQUIRE(kubelet.kubelet_errors.size() == 1);
    CHECK(kubelet.kubelet_errors[0].text.find("connection refused") != std::string::npos);
    const NodeSide pull = scan(
        "kubelet.log",
        "Apr 20 05:01:22 kind-worker kubelet[297]: E0420 05:01:22.929218     297 "
        "kuberuntime_image.go:51] \"Failed to pull image\" err=\"rpc error: code = Unknown desc = "
        "failed to pull and unpack image \\\"docker.io/library/tool:v1\\\": not found\" "
        "image=\"tool:v1\"\n");
    REQUIRE(pull.image_waits.size() == 1);
    CHECK(pull.image_waits[0].image == "tool:v1");
    CHECK(pull.image_waits[0].reason == "ErrImagePull");
    const NodeSide containerd = scan("containerd.log", kContainerd);
    REQUIRE(containerd.import_failures.size() == 1);
    CHECK(containerd.import_failures[0].text.find("(*service).Write failed") != std::string::npos);
    REQUIRE(containerd.containerd_errors.size() == 1);
    CHECK(containerd.containerd_errors[0].text.find("cni config") != std::string::npos);
    // The whole journal adds what the unit journals lack: an import run by a script of its own.
    const NodeSide journal =
        scan("journal.log", std::string(kContainerd) +
                                "Feb 04 10:15:39 kind-worker load-images[88]: ctr: archive/tar: "
                                "invalid tar header\n");
    REQUIRE(journal.import_failures.size() == 1);
    CHECK(journal.import_failures[0].text.find("invalid tar header") != std::string::npos);
  }

  TEST_CASE("API server up: the image finding names the node's containerd store and the import") {
    BundleFixture b;
    two_nodes(b, "running");
    b.list("pods", json::array({pod_on("kind-worker", "localhost/orders-api:v2",
                                       "ErrImageNeverPull", "Never")}));
    b.list("nodes", json::array());
    b.events(json::array({make_event(
        "shop", "Pod", "orders-api-7c9d8f6b5-q2w3e", "Warning", "ErrImageNeverPull",
        "Container image \"localhost/orders-api:v2\" is not present with pull policy of Never")}));
    b.file("clusters/kind/node-logs/kind-worker/images.log", kCtr);
    b.file("clusters/kind/node-logs/kind-worker/containerd.log", kContainerd);
    const auto out = b.build();
    const json f = findings_of(out, "image-not-loaded");
    REQUIRE(f.size() == 1);
    const std::string text = finding_text(f[0]);
    CHECK(text.find("image localhost/orders-api:v2 is missing from the containerd store of node "
                    "kind-worker") != std::string::npos);
    CHECK(text.find("never loaded (kind load docker-image)") != std::string::npos);
    CHECK(text.find("(*service).Write failed") != std::string::npos);
    // The pod finding says it: no second finding from the kubelet's journal.
    CHECK(findings_of(out, "node-image-missing").empty());
  }

  TEST_CASE("the node's store decides 'not loaded' when status.images is empty") {
    for (bool held : {false, true}) {
      BundleFixture b;
      b.list("pods", json::array({pod_on("kind-worker", "localhost/shop-web:dev", "ErrImagePull",
                                         "IfNotPresent")}));
      b.list("nodes", json::array());
      b.file("clusters/kind/node-logs/kind-worker/images.log",
             held ? kCrictl : "IMAGE   TAG   IMAGE ID   SIZE\n");
      const auto out = b.build();
      CHECK(findings_of(out, "image-not-loaded").size() == (held ? 0u : 1u));
      CHECK(findings_of(out, "image-pull").size() == (held ? 1u : 0u));
    }
  }

  TEST_CASE("API server down: REPORT.md says what the nodes saw") {
    BundleFixture b;
    b.manifest()["clusters"]["kind"]["reachable"] = false;
    b.manifest()["clusters"]["kind"]["unreachable_reason"] = "connection refused";
    two_nodes(b, "exited");
    b.file("clusters/kind/node-logs/kind-worker/images.log", kCtr);
    b.file("clusters/kind/node-logs/kind-worker/containerd.log", kContainerd);
    b.file("clusters/kind/node-logs/kind-worker/kubelet.log", kKubeletNeverPull);
    const auto out = b.build();
    const json api = findings_of(out, "api-unreachable");
    REQUIRE(api.size() == 1);
    const std::string text = finding_text(api[0]);
    CHECK(text.find("control-plane node kind-control-plane is exited") != std::string::npos);
    CHECK(text.find("node kind-worker: containerd holds 2 images: localhost/orders-api:ci, "
                    "registry.k8s.io/coredns/coredns:v1.11.3") != std::string::npos);
    CHECK(text.find("cni config load failed") != std::string::npos);
    CHECK(text.find("connection refused") != std::string::npos);
    const json missing = findings_of(out, "node-image-missing");
    REQUIRE(missing.size() == 1);
    CHECK(missing[0]["title"] ==
          "Image localhost/orders-api:v2 is missing from the containerd store of node kind-worker");
    CHECK(missing[0]["next_step"] == "kind load docker-image localhost/orders-api:v2 --name kind");
    CHECK(finding_text(missing[0]).find("(*service).Write failed") != std::string::npos);
    CHECK(out.markdown.find("localhost/orders-api:ci") != std::string::npos);
  }

  TEST_CASE("API server down: an image the store holds is not reported missing") {
    BundleFixture b;
    b.manifest()["clusters"]["kind"]["reachable"] = false;
    two_nodes(b, "paused");
    b.file("clusters/kind/node-logs/kind-worker/images.log", kCrictl);
    b.file("clusters/kind/node-logs/kind-worker/kubelet.log",
           "Feb 04 10:16:02 kind-worker kubelet[301]: E0204 10:16:02.1     301 "
           "pod_workers.go:1301] \"Error syncing pod, skipping\" err=\"failed to "
           "\\\"StartContainer\\\" for \\\"web\\\" with ImagePullBackOff: \\\"Back-off pulling "
           "image \\\\\\\"nginx:1.27\\\\\\\"\\\"\" pod=\"shop/web-0\"\n");
    const auto out = b.build();
    CHECK(findings_of(out, "node-image-missing").empty());
    const json api = findings_of(out, "api-unreachable");
    REQUIRE(api.size() == 1);
    CHECK(finding_text(api[0]).find("kind-control-plane is paused") != std::string::npos);
  }
}
