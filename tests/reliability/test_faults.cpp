// Faults of a real API server against the real binary: each gather must finish in time, leave a
// bundle that opens, keep everything the fault did not touch, and name every failure in
// manifest.json and in REPORT.md's collection notes.
#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fake_apiserver_process.h"
#include "fixture.h"
#include "util/text.h"

namespace {

using kmg::reliability::Failure;
using kmg::reliability::Gathered;
using kmg::reliability::kSeedCluster;
using kmg::testing::FakeApiserver;
using kmg::testing::FakeApiserverOptions;
using kmg::testing::TempDir;

constexpr int kTimeoutSeconds = 60;

FakeApiserverOptions seed_options() {
  FakeApiserverOptions o;
  o.scenarios = {kmg::reliability::seed_scenario()};
  o.cluster_name = "gateway-e2e";
  return o;
}

Gathered gather_with(const TempDir& dir, std::vector<std::string> args) {
  bool has_timeout = false;
  for (const auto& a : args) has_timeout = has_timeout || a == "--timeout";
  if (!has_timeout) args.insert(args.end(), {"--timeout", std::to_string(kTimeoutSeconds) + "s"});
  return kmg::reliability::gather(dir, args, std::chrono::seconds(kTimeoutSeconds + 60));
}

// The bundle exists, opens, has its manifest and report, and the run ended within the limit.
void check_bundle_written(const Gathered& g, int timeout_seconds = kTimeoutSeconds) {
  INFO("stderr: ", g.run.err);
  REQUIRE_FALSE(g.run.timed_out);
  CHECK(g.run.elapsed < std::chrono::seconds(timeout_seconds + 10));
  REQUIRE(g.bundle_exists);
  REQUIRE(g.manifest.is_object());
  CHECK(g.files.count("REPORT.md") == 1);
  CHECK(g.files.count("report.json") == 1);
}

// Every failed request of the manifest is a row of REPORT.md's collection notes (its cluster, path
// and status on one line); the table is capped, and then the notes say how many more are only in
// manifest.json.
void check_failures_named(const Gathered& g) {
  const auto notes_at = g.report.find("## Collection notes");
  REQUIRE(notes_at != std::string::npos);
  const std::string notes = g.report.substr(notes_at);
  std::size_t unnamed = 0;
  for (const Failure& f : kmg::reliability::failures(g.manifest)) {
    INFO("failure: ", f.cluster, " ", f.path, " ", f.status, " ", f.message);
    const std::string line = kmg::reliability::line_with(notes, " " + f.path + " |");
    if (line.empty()) {
      ++unnamed;
      continue;
    }
    CHECK(kmg::reliability::contains(line, f.cluster));
    CHECK(kmg::reliability::contains(line, "| " + std::to_string(f.status) + " |"));
  }
  if (unnamed > 0) {
    INFO("notes: ", notes.substr(0, 6000));
    CHECK(kmg::reliability::contains(notes, std::to_string(unnamed) + " more: see manifest.json"));
  }
}

bool has_failure(const Gathered& g, const std::string& path_part, long status) {
  const auto all = kmg::reliability::failures(g.manifest);
  return std::any_of(all.begin(), all.end(), [&](const Failure& f) {
    return kmg::reliability::contains(f.path, path_part) && f.status == status;
  });
}

// Path components that say nothing about which request produced a file.
bool generic_component(const std::string& c) {
  static const std::set<std::string> generic = {
      "clusters",       "namespaces", "pods",      "logs",       "lists",      "core",
      "cluster-scoped", "nodes",      "node-logs", kSeedCluster, "gateway-e2e"};
  return generic.count(c) > 0;
}

bool list_failed(const std::vector<Failure>& all, const std::string& list_path) {
  return std::any_of(all.begin(), all.end(), [&](const Failure& f) {
    return f.path == list_path || f.path.rfind(list_path + "?", 0) == 0;
  });
}

// Files that all come from one cluster-wide list: when it failed, none of them can be written.
bool explained_by_list_failure(const std::string& file, const std::vector<Failure>& all) {
  struct Source {
    const char* files;  // a path component of the files
    const char* list;   // the list they come from
  };
  static constexpr Source kSources[] = {
      {"/pods/", "/api/v1/pods"},        // pod YAML, describe text and logs
      {"/nodes/", "/api/v1/nodes"},      // node YAML and describe text
      {"/traces/", "/api/v1/services"},  // the Jaeger query Service is found in the services list
  };
  const std::string in_cluster = "/" + file;
  return std::any_of(std::begin(kSources), std::end(kSources), [&](const Source& s) {
    return kmg::reliability::contains(in_cluster, s.files) && list_failed(all, s.list);
  });
}

// A file of the fault-free gather that the faulty one lacks must be explained by a failed
// request that names one of its specific path components (pod, resource, object name).
bool explained_by_failure(const std::string& file, const std::vector<Failure>& all) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= file.size()) {
    const auto slash = file.find('/', start);
    std::string part =
        file.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (const auto dot = part.find('.'); dot != std::string::npos) part = part.substr(0, dot);
    if (!part.empty() && !generic_component(part)) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  // The resource a list or cluster-scoped object came from is specific even when its name is
  // also a layout folder ("lists/namespaces.json", "cluster-scoped/core/namespaces/x.yaml").
  const auto components = kmg::split(file, '/');
  for (std::size_t i = 0; i + 1 < components.size(); ++i) {
    if (components[i] == "lists") parts.push_back(kmg::split(components[i + 1], '.').front());
    if (components[i] == "cluster-scoped" && i + 2 < components.size())
      parts.push_back(components[i + 2]);
  }
  if (explained_by_list_failure(file, all)) return true;
  return std::any_of(all.begin(), all.end(), [&](const Failure& f) {
    return std::any_of(parts.begin(), parts.end(), [&](const std::string& p) {
      return kmg::reliability::contains(f.path, "/" + p);
    });
  });
}

std::string failed_paths(const std::vector<Failure>& all) {
  std::string out;
  for (const auto& f : all) out += "\n  " + f.path;
  return out;
}

// Files written by a gather of the seed scenario without faults (computed once).
const std::set<std::string>& baseline_files() {
  static const std::set<std::string> files = [] {
    auto api = FakeApiserver::start(seed_options());
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    REQUIRE(g.bundle_exists);
    REQUIRE_MESSAGE(g.run.exit_code == 0, g.run.err);
    std::set<std::string> out;
    for (const auto& [path, content] : g.files) out.insert(path);
    return out;
  }();
  return files;
}

// Everything the fault-free gather wrote under the seed cluster is here, unless a failed request
// explains its absence.
void check_rest_complete(const Gathered& g) {
  const auto all = kmg::reliability::failures(g.manifest);
  const std::string prefix = std::string("clusters/") + kSeedCluster + "/";
  for (const auto& file : baseline_files()) {
    if (file.rfind(prefix, 0) != 0 || g.files.count(file) > 0) continue;
    INFO("missing: ", file);
    INFO("failed requests: ", failed_paths(all));
    CHECK(explained_by_failure(file, all));
  }
  if (list_failed(all, "/api/v1/pods")) return;  // no pod could be written
  for (const auto& pod : kmg::reliability::scenario_pods(kmg::reliability::seed_scenario())) {
    INFO("pod: ", pod);
    CHECK(g.files.count(kmg::reliability::pod_dir(kSeedCluster, pod) + "/pod.yaml") == 1);
  }
}

// Accepts connections and answers each with bytes that are not TLS, then closes it.
class GarbageServer {
 public:
  GarbageServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;  // the listening socket was shut down
        const char garbage[] = "HTTP/1.0 200 OK\r\n\r\nthis is not TLS \x01\x02\x03\xff\r\n";
        [[maybe_unused]] auto n = write(c, garbage, sizeof(garbage) - 1);
        close(c);
      }
    });
  }
  ~GarbageServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  GarbageServer(const GarbageServer&) = delete;
  GarbageServer& operator=(const GarbageServer&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// The good seed cluster and a broken one (context `broken`) in one gather.
void check_one_broken_cluster(const TempDir& dir, const FakeApiserver& good,
                              const std::string& broken_kubeconfig) {
  const std::string kc = dir.write("broken.kubeconfig", broken_kubeconfig);
  const auto g = gather_with(dir, {"--kubeconfig", good.kubeconfig_path(), "--kubeconfig", kc,
                                   "--context", kSeedCluster, "--context", "broken"});
  check_bundle_written(g);
  CHECK(g.run.exit_code == 1);
  REQUIRE(g.manifest["clusters"].contains("broken"));
  CHECK(g.manifest["clusters"]["broken"].value("reachable", true) == false);
  CHECK(g.manifest["clusters"][kSeedCluster].value("reachable", false) == true);
  CHECK(has_failure(g, "/version", 0));
  check_failures_named(g);
  check_rest_complete(g);
  // The report's notes say which cluster could not be reached.
  const std::string notes = g.report.substr(g.report.find("## Collection notes"));
  CHECK(kmg::reliability::contains(notes, "broken"));
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("a fault-free gather of the seed scenario is complete (the baseline)") {
    const auto& files = baseline_files();
    CHECK(files.count("manifest.json") == 1);
    CHECK(files.count(std::string("clusters/") + kSeedCluster +
                      "/namespaces/gateway-e2e/pods/authwebhook-7b9c6f8d4d-h4n2s/logs/"
                      "authwebhook.log") == 1);
  }

  TEST_CASE("5% of requests answered 500: retried, bundle complete, leftovers named") {
    auto o = seed_options();
    o.fault_500_rate = 0.05;
    o.fault_seed = 7;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    const bool any_failure = !kmg::reliability::failures(g.manifest).empty();
    CHECK(g.run.exit_code == (any_failure ? 1 : 0));
    check_failures_named(g);
    check_rest_complete(g);
  }

  TEST_CASE("half of the requests answered 500: exit 1, every failure named") {
    auto o = seed_options();
    o.fault_500_rate = 0.5;
    o.fault_seed = 3;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    CHECK(g.run.exit_code == 1);
    CHECK_FALSE(kmg::reliability::failures(g.manifest).empty());
    check_failures_named(g);
    check_rest_complete(g);
  }

  TEST_CASE("429 with Retry-After: waited for, bundle complete") {
    auto o = seed_options();
    o.throttle_rate = 0.3;
    o.retry_after = 1;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    const bool any_failure = !kmg::reliability::failures(g.manifest).empty();
    CHECK(g.run.exit_code == (any_failure ? 1 : 0));
    check_failures_named(g);
    check_rest_complete(g);
  }

  TEST_CASE("a log request that never answers: given up after --request-timeout") {
    const std::string pod = "authwebhook-7b9c6f8d4d-h4n2s";
    const std::string hang = "/api/v1/namespaces/gateway-e2e/pods/" + pod + "/log";
    auto o = seed_options();
    o.hang_paths = {hang};
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(
        dir, {"--kubeconfig", api.kubeconfig_path(), "--timeout", "20s", "--request-timeout", "5"});
    check_bundle_written(g, 20);
    CHECK(g.run.exit_code == 1);
    CHECK(has_failure(g, hang, 0));
    check_failures_named(g);
    check_rest_complete(g);
    // The other logs of the same namespace are there.
    CHECK(g.files.count(std::string("clusters/") + kSeedCluster +
                        "/namespaces/gateway-e2e/pods/ro-controller-84b6d5c9f7-s6x8z/logs/"
                        "ro-controller.log") == 1);
  }

  TEST_CASE("log streams cut after 200 bytes: failures named, what arrived is kept") {
    auto o = seed_options();
    o.cut_logs_after = 200;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    CHECK(g.run.exit_code == 1);
    const std::string log_path =
        "/api/v1/namespaces/gateway-e2e/pods/authwebhook-7b9c6f8d4d-h4n2s/log";
    CHECK(has_failure(g, log_path, 200));
    check_failures_named(g);
    check_rest_complete(g);
  }

  TEST_CASE("log streams cut after 200 bytes: the partial log is in the bundle") {
    auto o = seed_options();
    o.cut_logs_after = 200;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    REQUIRE(g.bundle_exists);
    const auto log = g.files.find(std::string("clusters/") + kSeedCluster +
                                  "/namespaces/gateway-e2e/pods/authwebhook-7b9c6f8d4d-h4n2s/logs/"
                                  "authwebhook.log");
    REQUIRE(log != g.files.end());
    CHECK_FALSE(log->second.empty());
  }

  TEST_CASE("a forbidden resource: 403 named, everything else gathered") {
    auto o = seed_options();
    o.forbid = {"secrets"};
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    CHECK(g.run.exit_code == 1);
    CHECK(has_failure(g, "/secrets", 403));
    check_failures_named(g);
    check_rest_complete(g);
    CHECK(g.files.count(std::string("clusters/") + kSeedCluster + "/lists/configmaps.json") == 1);
  }

  TEST_CASE("continue tokens expire: every 410 is named") {
    FakeApiserverOptions o;
    o.synthetic = "namespaces=2,pods=300,containers=1,events=1";
    o.cluster_name = "big";
    o.expire_continue = true;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    check_bundle_written(g);
    check_failures_named(g);
    CHECK(g.files.count("clusters/kind-big/lists/pods.json") == 1);
  }

  TEST_CASE("continue tokens expire: the lists are still complete") {
    FakeApiserverOptions o;
    o.synthetic = "namespaces=2,pods=300,containers=1,events=1";
    o.cluster_name = "big";
    o.expire_continue = true;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    REQUIRE(g.bundle_exists);
    const auto pods = nlohmann::json::parse(g.files.at("clusters/kind-big/lists/pods.json"));
    CHECK(pods["items"].size() == 600);
    CHECK(g.run.exit_code == 0);
  }

  TEST_CASE("TLS handshake with a server that speaks garbage: that cluster fails alone") {
    auto good = FakeApiserver::start(seed_options());
    GarbageServer garbage;
    TempDir dir;
    const std::string text = kmg::testing::read_file(good.kubeconfig_path());
    check_one_broken_cluster(
        dir, good,
        kmg::reliability::rewrite_kubeconfig(
            text, "https://127.0.0.1:" + std::to_string(garbage.port()), kSeedCluster, "broken"));
  }

  TEST_CASE("TLS with the wrong CA: that cluster fails alone") {
    auto good = FakeApiserver::start(seed_options());
    auto other = FakeApiserver::start({.cluster_name = "other"});
    TempDir dir;
    const std::string text = kmg::testing::read_file(good.kubeconfig_path());
    const std::string other_ca = kmg::reliability::kubeconfig_field(
        kmg::testing::read_file(other.kubeconfig_path()), "certificate-authority-data");
    REQUIRE_FALSE(other_ca.empty());
    std::string broken =
        kmg::reliability::replace_kubeconfig_field(text, "certificate-authority-data", other_ca);
    broken = kmg::reliability::rewrite_kubeconfig(
        broken, "https://127.0.0.1:" + std::to_string(good.port()), kSeedCluster, "broken");
    check_one_broken_cluster(dir, good, broken);
  }

  TEST_CASE("one of two clusters unreachable (closed port): the other is complete") {
    auto good = FakeApiserver::start(seed_options());
    TempDir dir;
    const std::string text = kmg::testing::read_file(good.kubeconfig_path());
    check_one_broken_cluster(
        dir, good,
        kmg::reliability::rewrite_kubeconfig(
            text, "https://127.0.0.1:" + std::to_string(kmg::reliability::closed_port()),
            kSeedCluster, "broken"));
  }

  TEST_CASE("two --kubeconfig files without --context: both current contexts are gathered") {
    auto good = FakeApiserver::start(seed_options());
    TempDir dir;
    const std::string text = kmg::testing::read_file(good.kubeconfig_path());
    const std::string kc =
        dir.write("dead.kubeconfig",
                  kmg::reliability::rewrite_kubeconfig(
                      text, "https://127.0.0.1:" + std::to_string(kmg::reliability::closed_port()),
                      kSeedCluster, "broken"));
    const auto g = gather_with(dir, {"--kubeconfig", good.kubeconfig_path(), "--kubeconfig", kc});
    REQUIRE(g.bundle_exists);
    CHECK(g.manifest["clusters"].contains(kSeedCluster));
    CHECK(g.manifest["clusters"].contains("broken"));
  }

  TEST_CASE("the API server dies mid-gather: bundle finished with what arrived") {
    auto o = seed_options();
    o.latency_ms = 150;
    auto api = FakeApiserver::start(o);
    TempDir dir;
    const pid_t server = api.pid();
    std::thread killer([server] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      kill(server, SIGKILL);
    });
    const auto g = gather_with(dir, {"--kubeconfig", api.kubeconfig_path()});
    killer.join();
    check_bundle_written(g);
    CHECK(g.run.exit_code == 1);
    CHECK_FALSE(kmg::reliability::failures(g.manifest).empty());
    check_failures_named(g);
    // What was fetched before the server died is kept.
    CHECK(g.files.count(std::string("clusters/") + kSeedCluster + "/version.json") == 1);
  }
}
