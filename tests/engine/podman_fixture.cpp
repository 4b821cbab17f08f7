#include "podman_fixture.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/socket_engine.h"
#include "util/errors.h"
#include "util/process.h"

namespace kmg::testing {

namespace {

namespace fs = std::filesystem;

std::string last_line(const std::string& text) {
  auto end = text.find_last_not_of("\r\n ");
  if (end == std::string::npos) return "";
  const auto start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1,
                     end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

std::string PodmanFixture::unique_name(const std::string& prefix) {
  std::random_device rd;
  std::uniform_int_distribution<int> dist(0, 35);
  std::string suffix;
  for (int i = 0; i < 6; ++i) suffix += "abcdefghijklmnopqrstuvwxyz0123456789"[dist(rd)];
  return prefix + "-" + suffix;
}

int PodmanFixture::free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::string PodmanFixture::podman(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"podman"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  kmg::ProcessOptions options;
  options.timeout = std::chrono::seconds(120);
  const auto r = kmg::run_process_capture(argv, out, options);
  if (!r.spawn_error.empty()) throw std::runtime_error(r.spawn_error);
  if (r.timed_out) throw std::runtime_error("podman " + args.at(0) + ": timed out");
  if (r.exit_code != 0)
    throw std::runtime_error("podman " + args.at(0) + ": " + last_line(r.stderr_text));
  return out;
}

std::unique_ptr<PodmanFixture> PodmanFixture::start(std::string& why_not) {
  std::unique_ptr<PodmanFixture> f(new PodmanFixture());
  std::string pattern = (fs::temp_directory_path() / "kmg-podman-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    why_not = "mkdtemp failed";
    return nullptr;
  }
  f->dir_ = pattern;
  f->socket_ = f->dir_ + "/podman.sock";
  try {
    f->podman({"--version"});
  } catch (const std::exception& e) {
    why_not = std::string("podman is not usable: ") + e.what();
    return nullptr;
  }
  const std::string log = f->dir_ + "/service.log";
  const std::string uri = "unix://" + f->socket_;
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::setpgid(0, 0);
    ::execlp("podman", "podman", "system", "service", "--time=0", uri.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid < 0) {
    why_not = "fork failed";
    return nullptr;
  }
  f->service_pid_ = pid;
  engine::SocketEngine probe(f->socket_, "podman");
  std::string last_error = "socket never appeared";
  for (int i = 0; i < 200; ++i) {
    if (fs::exists(f->socket_)) {
      try {
        probe.ping();
        return f;
      } catch (const Error& e) {
        last_error = e.what();
      }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      f->service_pid_ = -1;
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      why_not = "podman system service exited: " + last_line(text);
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  why_not = "podman system service did not answer on " + f->socket_ + ": " + last_error;
  return nullptr;
}

PodmanFixture::~PodmanFixture() {
  for (const auto& c : containers_) {
    try {
      podman({"rm", "-f", c});
    } catch (const std::exception& e) {
      std::cerr << "podman fixture: cleanup of container " << c << ": " << e.what() << "\n";
    }
  }
  for (const auto& i : images_) {
    try {
      podman({"rmi", "-f", i});
    } catch (const std::exception& e) {
      std::cerr << "podman fixture: cleanup of image " << i << ": " << e.what() << "\n";
    }
  }
  if (service_pid_ > 0) {
    ::kill(service_pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && ::waitpid(service_pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::waitpid(service_pid_, &status, WNOHANG) == 0) {
      ::kill(service_pid_, SIGKILL);
      ::waitpid(service_pid_, &status, 0);
    }
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PodmanFixture::create_node(const Node& node) {
  const std::string name = node.name.empty() ? node.cluster + "-" + node.role : node.name;
  // A tiny image per node holding its admin.conf: no registry is needed.
  const fs::path root = fs::path(dir_) / ("rootfs-" + name);
  fs::create_directories(root / "etc/kubernetes");
  fs::create_directories(root / "kind");
  std::ofstream(root / "kind/version") << "v1.32.2\n";
  if (!node.admin_conf.empty())
    std::ofstream(root / "etc/kubernetes/admin.conf") << node.admin_conf;
  const std::string tar = dir_ + "/" + name + ".tar";
  std::string out;
  const auto r = kmg::run_process_capture({"tar", "-C", root.string(), "-cf", tar, "."}, out);
  if (r.exit_code != 0) throw std::runtime_error("tar: " + r.stderr_text);
  const std::string image = "localhost/kmg-test-node:" + name;
  podman({"import", "--quiet", tar, image});
  images_.push_back(image);
  std::vector<std::string> args{"create",
                                "--name",
                                name,
                                "--label",
                                "io.x-k8s.kind.cluster=" + node.cluster,
                                "--label",
                                "io.x-k8s.kind.role=" + node.role,
                                "--tty"};
  if (node.host_port > 0) {
    args.push_back("-p");
    args.push_back(node.host_ip + ":" + std::to_string(node.host_port) + ":6443");
  }
  args.push_back(image);
  args.push_back("/sbin/init");
  std::string id = podman(args);
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) id.pop_back();
  containers_.push_back(id);
  return id;
}

}  // namespace kmg::testing
