// Which cluster a bundle is about, from real nodes (corpus) and the manifest, and the next steps
// that fit it: Kind's name also behind a kind-NAME context, podman's own commands, a registry push
// for a cloud or an unknown cluster.
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "bundle/bundle_reader.h"
#include "report/cluster_profile.h"
#include "report_fixture.h"
#include "temp_dir.h"

using kmg::report::cluster_profile;
using kmg::report::ClusterData;
using kmg::report::ClusterProfile;
using kmg::report::Platform;
using kmg::testing::corpus_json;
using nlohmann::json;

namespace {

ClusterData cluster(const std::string& name, const std::string& provider,
                    const std::string& endpoint, const json& nodes = json::array()) {
  ClusterData c;
  c.dir = name;
  c.name = name;
  c.info = {{"provider", provider}, {"api_endpoint", endpoint}};
  c.in_manifest = true;
  if (!nodes.empty()) c.lists["nodes"] = nodes;
  return c;
}

json node(const std::string& name, const std::string& provider_id, const json& labels = {}) {
  json n{{"metadata", {{"name", name}, {"labels", labels.is_null() ? json::object() : labels}}},
         {"spec", json::object()}};
  if (!provider_id.empty()) n["spec"]["providerID"] = provider_id;
  return n;
}

// The k3d cluster's NodeList inside troubleshoot's real support bundle (a tar.gz).
json k3d_support_bundle_nodes() {
  json nodes;
  const std::string bundle = kmg::testing::shared_dir() +
                             "/corpus/troubleshoot/testdata/supportbundle/support-bundle.tar.gz";
  kmg::bundle::visit_bundle(bundle, [&](const std::string& path, const auto& pull) {
    if (path.size() >= 28 && path.substr(path.size() - 28) == "cluster-resources/nodes.json")
      nodes = json::parse(kmg::bundle::read_all(pull))["items"];
  });
  return nodes;
}

const char* kSonobuoyNodes =
    "sonobuoy/pkg/discovery/testdata/healthsummary/resources/cluster/"
    "core_v1_nodes.json";

}  // namespace

TEST_CASE("a Kind cluster gathered through its kind-NAME context is Kind NAME (sonobuoy's nodes)") {
  const json nodes = corpus_json(kSonobuoyNodes)["items"];
  REQUIRE(nodes.size() == 3);
  const auto p =
      cluster_profile(cluster("kind-kind", "kubeconfig", "https://127.0.0.1:39931", nodes));
  CHECK(p.platform == Platform::kind);
  CHECK(p.kind_name == "kind");
  CHECK(p.engine == "docker");
  CHECK(p.name == "kind-kind");
  CHECK(platform_label(p) == "Kind (docker)");
  CHECK(load_image_step(p, "localhost/app:e2e") ==
        "kind load docker-image localhost/app:e2e --name kind");
  CHECK(list_nodes_step(p) == "docker ps -a --filter label=io.x-k8s.kind.cluster=kind");
  CHECK(node_shell_step(p, "kind-worker", "crictl images") ==
        "docker exec kind-worker crictl images");
}

TEST_CASE("the providerID names Kind's cluster even on a server that is not loopback") {
  // Kind's API server published on another address (a remote docker host): the nodes still say.
  const json nodes = corpus_json(kSonobuoyNodes)["items"];
  const auto p = cluster_profile(cluster("ci", "kubeconfig", "https://10.1.2.3:6443", nodes));
  CHECK(p.platform == Platform::kind);
  CHECK(p.kind_name == "kind");
}

TEST_CASE("context kind-gh without nodes: Kind gh on loopback, unknown elsewhere") {
  auto p = cluster_profile(cluster("kind-gh", "kubeconfig", "https://127.0.0.1:41234"));
  CHECK(p.platform == Platform::kind);
  CHECK(p.kind_name == "gh");
  CHECK(p.engine.empty());
  CHECK(platform_label(p) == "Kind");
  CHECK(load_image_step(p, "app:1") == "kind load docker-image app:1 --name gh");

  // The same context name from a second kubeconfig file gets "@file" appended by discovery.
  CHECK(cluster_profile(cluster("kind-gh@ci.yaml", "kubeconfig", "https://localhost:41234"))
            .kind_name == "gh");
  // The manifest's context field, when recorded, wins over the cluster's display name.
  auto c = cluster("staging", "kubeconfig", "https://[::1]:6443");
  c.info["context"] = "kind-dev";
  CHECK(cluster_profile(c).kind_name == "dev");

  p = cluster_profile(cluster("kind-gh", "kubeconfig", "https://gh.example.com:6443"));
  CHECK(p.platform == Platform::unknown);
  CHECK(p.kind_name.empty());
  CHECK(platform_label(p) == "unknown");
  CHECK(load_image_step(p, "app:1").find("kind load") == std::string::npos);
  CHECK(load_image_step(p, "app:1").find("push app:1 to a registry") == 0);
}

TEST_CASE("a podman Kind cluster gets podman's commands and an image archive for kind load") {
  const json nodes = json::array({node("gh-control-plane", "kind://podman/gh/gh-control-plane"),
                                  node("gh-worker", "kind://podman/gh/gh-worker")});
  for (const std::string provider : {"podman", "kubeconfig"}) {
    CAPTURE(provider);
    const auto p = cluster_profile(cluster("gh", provider, "https://127.0.0.1:40000", nodes));
    CHECK(p.platform == Platform::kind);
    CHECK(p.engine == "podman");
    CHECK(platform_label(p) == "Kind (podman)");
    // kind load docker-image would run `docker save`: podman saves, kind loads the archive.
    CHECK(load_image_step(p, "localhost/app:e2e") ==
          "podman save -o image.tar localhost/app:e2e && KIND_EXPERIMENTAL_PROVIDER=podman kind "
          "load image-archive image.tar --name gh");
    CHECK(list_nodes_step(p) == "podman ps -a --filter label=io.x-k8s.kind.cluster=gh");
    CHECK(node_shell_step(p, "gh-worker", "crictl images") ==
          "podman exec gh-worker crictl images");
  }
}

TEST_CASE("a cluster found through a container engine is Kind, also when no node was gathered") {
  const auto p = cluster_profile(cluster("e2e", "nerdctl", ""));
  CHECK(p.platform == Platform::kind);
  CHECK(p.kind_name == "e2e");
  CHECK(p.engine == "nerdctl");
  CHECK(list_nodes_step(p) == "nerdctl ps -a --filter label=io.x-k8s.kind.cluster=e2e");
}

TEST_CASE("sbctl's kURL cluster has no providerID and no Kind name: unknown, kubectl steps") {
  const json nodes =
      corpus_json("sbctl/tests/support-bundle/cluster-resources/nodes.json")["items"];
  REQUIRE(nodes.size() == 3);
  const auto p = cluster_profile(cluster("kurl", "kubeconfig", "https://10.128.0.44:6443", nodes));
  CHECK(p.platform == Platform::unknown);
  CHECK(list_nodes_step(p) == "kubectl get nodes -o wide");
  CHECK(node_shell_step(p, "troubleshoot-demo-002", "crictl images") ==
        "kubectl debug node/troubleshoot-demo-002 -it --image=busybox -- chroot /host crictl "
        "images");
  CHECK(load_image_step(p, "app:1").find("kind load") == std::string::npos);
}

TEST_CASE("AKS nodes (the corpus cluster's node names) are a cloud: push to a registry") {
  const json pods = corpus_json("aks-pods-oomkilled/pods.json")["items"];
  std::set<std::string> names;
  for (const auto& pod : pods) names.insert(pod["spec"].value("nodeName", ""));
  names.erase("");
  REQUIRE(names.size() == 5);
  // The providerID and labels the Azure cloud provider and AKS put on a scale-set node.
  json nodes = json::array();
  for (const auto& name : names) {
    const auto vmss = name.substr(0, name.size() - 6);
    nodes.push_back(node(name,
                         "azure:///subscriptions/0000/resourceGroups/mc_rg_aks_westeurope/"
                         "providers/Microsoft.Compute/virtualMachineScaleSets/" +
                             vmss + "/virtualMachines/" + std::to_string(nodes.size()),
                         {{"kubernetes.azure.com/cluster", "MC_rg_aks_westeurope"},
                          {"kubernetes.azure.com/agentpool", "systempool"}}));
  }
  auto p =
      cluster_profile(cluster("aks-prod", "kubeconfig", "https://aks.hcp.azmk8s.io:443", nodes));
  CHECK(p.platform == Platform::cloud);
  CHECK(p.cloud == "azure");
  CHECK(p.managed == "AKS");
  CHECK(platform_label(p) == "AKS (azure)");
  CHECK(load_image_step(p, "myapp:dev") ==
        "push myapp:dev to a registry the nodes can pull from (docker tag myapp:dev "
        "REGISTRY/IMAGE:TAG && docker push REGISTRY/IMAGE:TAG) and reference it by that name");
  CHECK(list_nodes_step(p) == "kubectl get nodes -o wide");

  for (auto& n : nodes) n["metadata"]["labels"] = json::object();
  p = cluster_profile(cluster("azure-vms", "kubeconfig", "https://10.0.0.4:6443", nodes));
  CHECK(platform_label(p) == "cloud (azure)");
  // Without its nodes, the pods alone say nothing about the platform.
  CHECK(cluster_profile(cluster("aks-prod", "kubeconfig", "https://aks.hcp.azmk8s.io:443"))
            .platform == Platform::unknown);
}

TEST_CASE("troubleshoot's mixed node list: most nodes are DigitalOcean's") {
  const json nodes = corpus_json("troubleshoot/pkg/analyze/files/nodes.json")["items"];
  REQUIRE(nodes.size() == 7);
  const auto p =
      cluster_profile(cluster("doks", "kubeconfig", "https://x.k8s.ondigitalocean.com", nodes));
  CHECK(p.platform == Platform::cloud);
  CHECK(p.cloud == "digitalocean");
  CHECK(platform_label(p) == "DOKS (digitalocean)");
}

TEST_CASE("troubleshoot's k3d support bundle: k3d cluster mycluster") {
  const json nodes = k3d_support_bundle_nodes();
  REQUIRE(nodes.size() == 1);
  const auto p =
      cluster_profile(cluster("k3d-mycluster", "kubeconfig", "https://0.0.0.0:6550", nodes));
  CHECK(p.platform == Platform::k3d);
  CHECK(p.local_name == "mycluster");
  CHECK(p.kind_name.empty());
  CHECK(platform_label(p) == "k3d");
  CHECK(load_image_step(p, "app:1") == "k3d image import app:1 -c mycluster");
  CHECK(node_shell_step(p, "k3d-mycluster-server-0", "crictl images") ==
        "kubectl debug node/k3d-mycluster-server-0 -it --image=busybox -- chroot /host crictl "
        "images");
}

TEST_CASE("minikube's labels name its profile") {
  const json labels{{"minikube.k8s.io/name", "dev"},
                    {"minikube.k8s.io/primary", "true"},
                    {"minikube.k8s.io/version", "v1.35.0"}};
  auto p = cluster_profile(cluster("dev", "kubeconfig", "https://192.168.49.2:8443",
                                   json::array({node("dev", "", labels)})));
  CHECK(p.platform == Platform::minikube);
  CHECK(platform_label(p) == "minikube");
  CHECK(load_image_step(p, "app:1") == "minikube image load app:1 -p dev");
  json default_labels = labels;
  default_labels["minikube.k8s.io/name"] = "minikube";
  p = cluster_profile(cluster("minikube", "kubeconfig", "https://192.168.49.2:8443",
                              json::array({node("minikube", "", default_labels)})));
  CHECK(load_image_step(p, "app:1") == "minikube image load app:1");
}

TEST_CASE("Kind's node naming alone counts only on a loopback server") {
  const json nodes = json::array({node("ci-control-plane", ""), node("ci-worker", "")});
  auto p = cluster_profile(cluster("admin@ci", "kubeconfig", "https://127.0.0.1:6443", nodes));
  CHECK(p.platform == Platform::kind);
  CHECK(p.kind_name == "ci");
  // A kubeadm cluster whose first host happens to be called that way is not Kind.
  p = cluster_profile(cluster("admin@ci", "kubeconfig", "https://10.0.0.10:6443", nodes));
  CHECK(p.platform == Platform::unknown);
}

TEST_CASE("the seed cluster gathered through its kubeconfig context is Kind gateway-e2e") {
  json nodes = json::array();
  const json seed = json::parse(
      kmg::testing::read_file(kmg::testing::source_root() + "/tests/scenarios/seed.json"));
  for (const auto& obj : seed["objects"])
    if (obj["kind"] == "Node") nodes.push_back(obj);
  REQUIRE(nodes.size() == 2);
  const auto p =
      cluster_profile(cluster("kind-gateway-e2e", "kubeconfig", "https://127.0.0.1:40000", nodes));
  CHECK(platform_label(p) == "Kind (docker)");
  CHECK(load_image_step(p, "localhost/gateway-api:e2e") ==
        "kind load docker-image localhost/gateway-api:e2e --name gateway-e2e");
}
