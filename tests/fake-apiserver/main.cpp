// fake-apiserver: a kube-apiserver stand-in for tests, demos and benchmarks. See README.md here.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>

#include "churn.h"
#include "pki.h"
#include "script.h"
#include "server.h"
#include "store.h"
#include "synthetic.h"
#include "util/errors.h"
#include "util/text.h"

namespace {

using kmg::fakeapi::json;

struct Args {
  std::vector<std::string> scenarios;
  std::string synthetic;
  std::string kubeconfig_out;
  std::string admin_conf_out;
  std::string ready_file;
  kmg::fakeapi::ServerOptions server;
  std::size_t watch_history = 1000;
  kmg::fakeapi::ScriptOptions script;
  kmg::fakeapi::ChurnSpec churn;
};

const char* kUsage =
    "usage: fake-apiserver --kubeconfig-out PATH [--scenario FILE.json ...] [--synthetic SPEC]\n"
    "  [--port 0] [--address 127.0.0.1] [--cluster-name NAME] [--server-version 1.32]\n"
    "  [--latency-ms N] [--fault-500-rate R] [--fault-seed N] [--hang-path PREFIX ...]\n"
    "  [--cut-logs-after BYTES] [--forbid RESOURCE ...] [--expire-continue]\n"
    "  [--throttle-rate R --retry-after S] [--ready-file PATH] [--admin-conf-out PATH]\n"
    "  [--watch-history N] [--watch-timeout-seconds S] [--bookmark-interval-ms M] [--threads N]\n"
    "  [--script-done-file PATH] [--script-speed F] [--churn-pods N --churn-interval-ms M]\n";

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline = false;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline = true;
    }
    auto next = [&]() -> std::string {
      if (has_inline) return value;
      if (i + 1 >= args.size()) throw kmg::Error(flag + " needs a value");
      return args[++i];
    };
    auto number = [&](const std::string& v) {
      try {
        return std::stod(v);
      } catch (const std::exception&) {
        throw kmg::Error(flag + ": not a number: '" + v + "'");
      }
    };
    if (flag == "--scenario")
      a.scenarios.push_back(next());
    else if (flag == "--synthetic")
      a.synthetic = next();
    else if (flag == "--port")
      a.server.port = static_cast<int>(number(next()));
    else if (flag == "--address")
      a.server.address = next();
    else if (flag == "--kubeconfig-out")
      a.kubeconfig_out = next();
    else if (flag == "--admin-conf-out")
      a.admin_conf_out = next();
    else if (flag == "--ready-file")
      a.ready_file = next();
    else if (flag == "--cluster-name")
      a.server.cluster_name = next();
    else if (flag == "--server-version")
      a.server.server_version = next();
    else if (flag == "--latency-ms")
      a.server.latency_ms = static_cast<int>(number(next()));
    else if (flag == "--fault-500-rate")
      a.server.fault_500_rate = number(next());
    else if (flag == "--fault-seed")
      a.server.fault_seed = static_cast<std::uint64_t>(number(next()));
    else if (flag == "--hang-path")
      a.server.hang_paths.push_back(next());
    else if (flag == "--cut-logs-after")
      a.server.cut_logs_after = static_cast<std::int64_t>(number(next()));
    else if (flag == "--forbid")
      a.server.forbid.push_back(next());
    else if (flag == "--expire-continue")
      a.server.expire_continue = true;
    else if (flag == "--throttle-rate")
      a.server.throttle_rate = number(next());
    else if (flag == "--retry-after")
      a.server.retry_after = static_cast<int>(number(next()));
    else if (flag == "--watch-history")
      a.watch_history = static_cast<std::size_t>(number(next()));
    else if (flag == "--watch-timeout-seconds")
      a.server.watch_timeout_seconds = static_cast<int>(number(next()));
    else if (flag == "--bookmark-interval-ms")
      a.server.bookmark_interval_ms = static_cast<int>(number(next()));
    else if (flag == "--threads")
      a.server.threads = static_cast<int>(number(next()));
    else if (flag == "--script-done-file")
      a.script.done_file = next();
    else if (flag == "--script-speed")
      a.script.speed = number(next());
    else if (flag == "--churn-pods")
      a.churn.pods = static_cast<int>(number(next()));
    else if (flag == "--churn-interval-ms")
      a.churn.interval_ms = static_cast<int>(number(next()));
    else if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      throw kmg::Error("unknown argument '" + args[i] + "'\n" + kUsage);
    }
  }
  if (a.kubeconfig_out.empty())
    throw kmg::Error(std::string("--kubeconfig-out is required\n") + kUsage);
  if (!a.server.server_version.empty()) {
    const auto parts = kmg::split(a.server.server_version, '.');
    int minor = -1;
    try {
      minor = parts.size() >= 2 && parts[0] == "1" ? std::stoi(parts[1]) : -1;
    } catch (const std::exception&) {
    }
    // /usr/bin/kubectl dispatches to kubectl.1.NN by the server's minor version.
    if (minor < 27 || minor > 33) {
      throw kmg::Error("--server-version must be 1.27 .. 1.33, got '" + a.server.server_version +
                       "'");
    }
  }
  return a;
}

// Written to a temp name and renamed, so a watcher never reads half a file.
void write_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw kmg::Error("cannot write " + tmp);
    out << content;
    if (!out.flush()) throw kmg::Error("cannot write " + tmp);
  }
  std::filesystem::permissions(
      tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(tmp, path);
}

std::string kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& context, const std::string& server,
                       const kmg::fakeapi::Pki& pki) {
  return "apiVersion: v1\n"
         "clusters:\n"
         "- cluster:\n"
         "    certificate-authority-data: " +
         kmg::base64_encode(pki.ca.cert_pem()) +
         "\n"
         "    server: " +
         server +
         "\n"
         "  name: " +
         cluster +
         "\n"
         "contexts:\n"
         "- context:\n"
         "    cluster: " +
         cluster +
         "\n"
         "    user: " +
         user +
         "\n"
         "  name: " +
         context +
         "\n"
         "current-context: " +
         context +
         "\n"
         "kind: Config\n"
         "preferences: {}\n"
         "users:\n"
         "- name: " +
         user +
         "\n"
         "  user:\n"
         "    client-certificate-data: " +
         kmg::base64_encode(pki.client.cert_pem()) +
         "\n"
         "    client-key-data: " +
         kmg::base64_encode(pki.client.key_pem()) + "\n";
}

// Loads every scenario into the store; returns their scripts, played in file order.
std::vector<kmg::fakeapi::ScriptStep> load_scenarios(const Args& args, kmg::fakeapi::Store& store) {
  std::vector<kmg::fakeapi::ScriptStep> script;
  for (const auto& path : args.scenarios) {
    std::ifstream in(path);
    if (!in) throw kmg::Error("cannot read scenario " + path);
    json doc;
    try {
      doc = json::parse(in);
    } catch (const json::exception& e) {
      throw kmg::Error("scenario " + path + ": " + e.what());
    }
    store.load_scenario(doc, path);
    if (doc.contains("script")) {
      const auto steps = kmg::fakeapi::parse_script(doc["script"], path);
      script.insert(script.end(), steps.begin(), steps.end());
    }
  }
  return script;
}

int run(int argc, char** argv) {
  const Args args = parse_args(argc, argv);
  // Block the stop signals in every thread; one thread waits for them and stops the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  kmg::fakeapi::Store store;
  const auto script = load_scenarios(args, store);
  if (!args.synthetic.empty()) {
    kmg::fakeapi::generate_synthetic(kmg::fakeapi::parse_synthetic_spec(args.synthetic),
                                     args.server.cluster_name, store);
  }
  kmg::fakeapi::seed_churn(args.churn, args.server.cluster_name, store);
  store.finalize();
  store.set_history_limit(args.watch_history);
  const std::string& name = args.server.cluster_name;
  const auto pki = kmg::fakeapi::make_pki({"localhost", name + "-control-plane", "kubernetes",
                                           "kubernetes.default", "kubernetes.default.svc",
                                           "kubernetes.default.svc.cluster.local"});
  kmg::fakeapi::ApiServer server(store, args.server, pki);
  const int port = server.bind();
  const std::string address = args.server.address == "0.0.0.0" ? "127.0.0.1" : args.server.address;
  write_file(args.kubeconfig_out,
             kubeconfig("kind-" + name, "kind-" + name, "kind-" + name,
                        "https://" + address + ":" + std::to_string(port), pki));
  if (!args.admin_conf_out.empty()) {
    write_file(args.admin_conf_out, kubeconfig(name, "kubernetes-admin", "kubernetes-admin@" + name,
                                               "https://" + name + "-control-plane:6443", pki));
  }
  if (!args.ready_file.empty()) write_file(args.ready_file, std::to_string(port) + "\n");
  std::cerr << "fake-apiserver: cluster " << name << ", " << store.object_count() << " objects\n";
  std::cout << "listening on " << address << ":" << port << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();
  });
  std::atomic<bool> done{false};
  kmg::fakeapi::ScriptHooks hooks{[&](double seconds) { server.outage(seconds); },
                                  [&] { server.stop(); }};
  std::thread player([&] { kmg::fakeapi::play_script(script, store, hooks, args.script, done); });
  std::thread churn(
      [&] { kmg::fakeapi::run_churn(args.churn, args.server.cluster_name, store, done); });
  server.run();
  done = true;
  player.join();
  churn.join();
  // run() also returns if listening fails; make sure the waiter can finish.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "fake-apiserver: " << e.what() << "\n";
    return 2;
  }
}
