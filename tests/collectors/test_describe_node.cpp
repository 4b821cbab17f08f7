// describe_node against the kind cluster captured by Sonobuoy, plus odd-data robustness.
#include <algorithm>

#include <doctest/doctest.h>

#include "collectors/describe/describe_node.h"
#include "describe_test_util.h"
#include "util/timestamps.h"

using kmg::describe::describe_node;
using kmg::describe::testing::has_line;
using kmg::describe::testing::lines_of;
using kmg::describe::testing::load_corpus;
using kmg::describe::testing::pointers;
using nlohmann::json;

namespace {

const char* const kSonobuoy = "sonobuoy/pkg/discovery/testdata/healthsummary/resources/";
const kmg::EpochNanos kNow = *kmg::parse_rfc3339("2022-01-27T15:00:00Z");

}  // namespace

TEST_SUITE("describe") {
  TEST_CASE("describe_node: kind control-plane with its kube-system pods") {
    const json nodes = load_corpus(std::string(kSonobuoy) + "cluster/core_v1_nodes.json");
    const json pods = load_corpus(std::string(kSonobuoy) + "ns/kube-system/core_v1_pods.json");
    const std::string out = describe_node(nodes["items"][0], pointers(pods), {}, kNow);
    CHECK(out.rfind("Name:               kind-control-plane\n", 0) == 0);
    CHECK(has_line(out, "Roles:              control-plane,master"));
    CHECK(has_line(out, "                    node-role.kubernetes.io/master="));
    CHECK(has_line(out,
                   "Annotations:        kubeadm.alpha.kubernetes.io/cri-socket: "
                   "unix:///run/containerd/containerd.sock"));
    CHECK(has_line(out, "CreationTimestamp:  Thu, 27 Jan 2022 14:37:24 +0000"));
    CHECK(has_line(out, "Taints:             node-role.kubernetes.io/master:NoSchedule"));
    CHECK(has_line(out, "Unschedulable:      false"));
    CHECK(has_line(out,
                   "  Type             Status  LastHeartbeatTime                 "
                   "LastTransitionTime                Reason                       Message"));
    CHECK(
        has_line(out,
                 "  Ready            True    Thu, 27 Jan 2022 14:44:03 +0000   Thu, 27 Jan 2022 "
                 "14:37:53 +0000   KubeletReady                 kubelet is posting ready status"));
    CHECK(has_line(out, "  InternalIP:  172.18.0.4"));
    CHECK(has_line(out, "  memory:             30821896Ki"));
    CHECK(has_line(out, "  Kubelet Version:            v1.20.0"));
    CHECK(has_line(out, "ProviderID:                   kind://docker/kind/kind-control-plane"));
    CHECK(has_line(out, "Non-terminated Pods:          (8 in total)"));
    CHECK(has_line(out,
                   "  kube-system                 kindnet-qhzxn                                 "
                   "100m (1%)     100m (1%)   50Mi (0%)        50Mi (0%)      22m"));
    CHECK(out.find("kindnet-hknk7") == std::string::npos);  // on kind-worker2
    CHECK(has_line(out, "  cpu                950m (11%)  100m (1%)"));
    CHECK(has_line(out, "  memory             290Mi (0%)  390Mi (1%)"));
    CHECK(has_line(out, "  ephemeral-storage  100Mi (0%)  0 (0%)"));
    CHECK(has_line(out, "  hugepages-2Mi      0 (0%)      0 (0%)"));
    // Like kubectl, "Events:" shares the alignment block of the table above it.
    CHECK(has_line(out, "Events:              <none>"));
    // Images come last, after Events, aligned on their own.
    const auto lines = lines_of(out);
    const auto images = std::find(lines.begin(), lines.end(), "Images:");
    REQUIRE(images != lines.end());
    CHECK(lines.end() - images == 15);  // title, header, dashes, 12 images
    CHECK(images[1].rfind("  Names ", 0) == 0);
    const auto size_col = images[1].find("Size");
    CHECK(lines.back().rfind("  k8s.gcr.io/pause:3.3 ", 0) == 0);
    CHECK(lines.back().substr(size_col) == "669.6 KiB");
    CHECK(images[3].substr(size_col) == "242.9 MiB");
  }

  TEST_CASE(
      "describe_node: percentages of allocatable, sidecars, overhead and extended resources") {
    const json node = json::parse(R"({
      "metadata": {"name": "n1", "labels": {"kubernetes.io/role": "worker"}},
      "spec": {"unschedulable": true, "taints": [{"key": "b", "effect": "NoSchedule"}, {"key": "a", "value": "x", "effect": "NoExecute"}]},
      "status": {"capacity": {"cpu": "4", "memory": "8Gi", "example.com/gpu": "2"},
                 "allocatable": {"cpu": "2", "memory": "4Gi", "example.com/gpu": "2"}}
    })");
    const json pod = json::parse(R"({
      "metadata": {"name": "p", "namespace": "ns", "creationTimestamp": "2022-01-27T14:00:00Z"},
      "spec": {"nodeName": "n1", "overhead": {"cpu": "100m"},
        "containers": [{"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi", "example.com/gpu": "1"},
                                                   "limits": {"cpu": "1", "memory": "2Gi"}}}],
        "initContainers": [
          {"name": "big-init", "resources": {"requests": {"cpu": "1500m"}}},
          {"name": "sidecar", "restartPolicy": "Always", "resources": {"requests": {"cpu": "200m"}}}]},
      "status": {"phase": "Running"}
    })");
    json done = pod;
    done["metadata"]["name"] = "finished";
    done["status"]["phase"] = "Succeeded";
    const std::string out = describe_node(node, {&pod, &done, nullptr}, {}, kNow);
    CHECK(has_line(out, "Roles:              worker"));
    CHECK(has_line(out, "Taints:             a=x:NoExecute"));
    CHECK(has_line(out, "                    b:NoSchedule"));
    CHECK(has_line(out, "Unschedulable:      true"));
    CHECK(has_line(out, "Non-terminated Pods:          (1 in total)"));
    // requests: max(500m + 200m sidecar, 1500m init) + 100m overhead = 1600m of 2 CPUs.
    const auto lines = lines_of(out);
    bool found_row = false;
    for (const std::string& line : lines) {
      if (line.rfind("  ns ", 0) == 0) {
        found_row = true;
        CHECK(line.find("1600m (80%)") != std::string::npos);
        CHECK(line.find("1100m (55%)") != std::string::npos);  // limit 1 + overhead
        CHECK(line.find("1Gi (25%)") != std::string::npos);
        CHECK(line.find("2Gi (50%)") != std::string::npos);
        CHECK(line.substr(line.size() - 3) == "60m");
      }
    }
    CHECK(found_row);
    CHECK(out.find("finished") == std::string::npos);
    CHECK(has_line(out, "  example.com/gpu    1            0"));
    CHECK(has_line(out, "Images:             <none>") == false);
    CHECK(has_line(out, "Images:  <none>"));
  }

  TEST_CASE("describe_node: the node's Lease (or why there is none) follows Unschedulable") {
    const json node = json::parse(R"({"metadata": {"name": "n1"}, "spec": {}})");
    const json lease = json::parse(R"({"metadata": {"name": "n1", "namespace": "kube-node-lease"},
      "spec": {"holderIdentity": "n1", "leaseDurationSeconds": 40,
               "renewTime": "2022-01-27T14:59:55.123456Z"}})");
    const std::string out = describe_node(node, {}, {}, kNow, {&lease, ""});
    const auto lines = lines_of(out);
    const auto at = std::find(lines.begin(), lines.end(), "Lease:");
    REQUIRE(at != lines.end());
    REQUIRE(at != lines.begin());
    CHECK((at - 1)->rfind("Unschedulable:", 0) == 0);
    REQUIRE(lines.end() - at > 3);
    CHECK(*(at + 1) == "  HolderIdentity:  n1");
    CHECK(*(at + 2) == "  AcquireTime:     <unset>");
    CHECK(*(at + 3) == "  RenewTime:       Thu, 27 Jan 2022 14:59:55 +0000");
    // No lease: kubectl prints why its GET failed; with nothing known the section is left out.
    CHECK(has_line(
        describe_node(node, {}, {}, kNow, {nullptr, "leases.coordination.k8s.io \"n1\" not found"}),
        "Lease:              Failed to get lease: leases.coordination.k8s.io \"n1\" "
        "not found"));
    CHECK(describe_node(node, {}, {}, kNow).find("Lease:") == std::string::npos);
  }

  TEST_CASE("describe_node never throws on odd data") {
    const json odd = json::parse(R"({
      "metadata": {"name": ["x"], "labels": 3},
      "spec": {"taints": [1, {"effect": 2}], "podCIDRs": "10.0.0.0/8"},
      "status": {"capacity": {"cpu": "many"}, "allocatable": [], "conditions": [{}], "addresses": [null],
                 "images": [{"names": "x", "sizeBytes": "big"}], "nodeInfo": 7}
    })");
    std::string out;
    CHECK_NOTHROW(out = describe_node(odd, {&odd}, {&odd}, kNow));
    CHECK(out.rfind("Name:", 0) == 0);
    CHECK(out.find("  cpu:  many") != std::string::npos);
    CHECK_NOTHROW(describe_node(json(), {}, {}, kNow));
  }
}
