// A fake apiserver made discoverable the way a real Kind cluster is: kind-like node containers on
// the private podman socket (labels, 127.0.0.1:<port>:6443, /etc/kubernetes/admin.conf), so the
// tool finds it with no --kubeconfig and an empty HOME (as ci/demo.sh does).
#pragma once

#include <string>
#include <vector>

#include "fake_apiserver_process.h"
#include "podman_fixture.h"
#include "temp_dir.h"

namespace kmg::integration {

// Control plane publishing the fake's port and holding its admin.conf, plus a worker.
inline void add_kind_nodes(kmg::testing::PodmanFixture& podman,
                           const kmg::testing::FakeApiserver& api, const std::string& cluster) {
  kmg::testing::PodmanFixture::Node control_plane;
  control_plane.cluster = cluster;
  control_plane.host_port = api.port();  // the node never runs: the fake owns the port
  control_plane.admin_conf = kmg::testing::read_file(api.admin_conf_path());
  podman.create_node(control_plane);
  kmg::testing::PodmanFixture::Node worker;
  worker.cluster = cluster;
  worker.role = "worker";
  podman.create_node(worker);
}

// Environment for the tool: only the private podman socket, nothing in ~/.kube.
inline std::vector<std::string> podman_env(const kmg::testing::PodmanFixture& podman,
                                           const std::string& empty_home) {
  const std::string uri = "unix://" + podman.socket_path();
  return {"HOME=" + empty_home, "DOCKER_HOST=" + uri, "CONTAINER_HOST=" + uri};
}

}  // namespace kmg::integration
