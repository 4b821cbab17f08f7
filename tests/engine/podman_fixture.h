// Real podman for integration tests: a private `podman system service` socket and kind-like node
// containers (created, never started: they cannot run on CI machines without systemd/cgroups
// delegation) carrying kind's labels, a published 6443 port and /etc/kubernetes/admin.conf.
// Everything it creates is removed by the destructor.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <sys/types.h>

namespace kmg::testing {

class PodmanFixture {
 public:
  struct Node {
    std::string cluster;
    std::string role = "control-plane";
    std::string name;   // empty: <cluster>-<role>
    int host_port = 0;  // 0: 6443 is not published
    std::string host_ip = "127.0.0.1";
    std::string admin_conf;  // empty: no /etc/kubernetes/admin.conf in the image
  };

  // Starts the service; nullptr with `why_not` set when podman is missing or unusable here.
  static std::unique_ptr<PodmanFixture> start(std::string& why_not);
  ~PodmanFixture();
  PodmanFixture(const PodmanFixture&) = delete;
  PodmanFixture& operator=(const PodmanFixture&) = delete;

  const std::string& socket_path() const { return socket_; }
  // Creates the node container; returns its id. Throws std::runtime_error with podman's message.
  std::string create_node(const Node& node);
  // "<prefix>-<random>": cluster names that cannot collide with other runs.
  static std::string unique_name(const std::string& prefix);
  // A loopback TCP port nothing listens on right now.
  static int free_port();

 private:
  PodmanFixture() = default;
  std::string podman(const std::vector<std::string>& args);  // throws on failure

  std::string dir_;
  std::string socket_;
  pid_t service_pid_ = -1;
  std::vector<std::string> containers_;
  std::vector<std::string> images_;
};

// main() for a podman test program: exits 77 (meson: SKIP) with the reason when podman is not
// usable, else runs doctest with the fixture reachable through podman_fixture().
int run_podman_tests(int argc, char** argv);
PodmanFixture& podman_fixture();

}  // namespace kmg::testing
