#include <csignal>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "engine/classify.h"
#include "engine/cli_engine.h"
#include "engine/frame_demux.h"
#include "engine/inspect.h"
#include "engine/select.h"
#include "engine/socket_engine.h"
#include "temp_dir.h"
#include "unix_http_server.h"
#include "util/errors.h"
#include "util/process.h"

using kmg::testing::TempDir;
using kmg::testing::UnixHttpServer;
namespace engine = kmg::engine;

namespace {

std::string data_file(const std::string& name) {
  return kmg::testing::read_file(kmg::testing::source_root() + "/tests/engine/data/" + name);
}

const engine::Container* by_name(const std::vector<engine::Container>& cs,
                                 const std::string& name) {
  for (const auto& c : cs)
    if (c.name == name) return &c;
  return nullptr;
}

std::string write_script(const TempDir& dir, const std::string& name, const std::string& body) {
  const std::string path = dir.write("bin/" + name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace

TEST_SUITE("engine") {
  TEST_CASE("frame demux splits stdout and stderr across arbitrary chunk boundaries") {
    const std::string stream = UnixHttpServer::frame(1, "hello ") +
                               UnixHttpServer::frame(2, "warning\n") +
                               UnixHttpServer::frame(1, "world\n") + UnixHttpServer::frame(3, "");
    for (std::size_t step = 1; step <= stream.size(); ++step) {
      std::string out;
      engine::FrameDemuxer demux([&](std::string_view c) {
        out.append(c);
        return true;
      });
      for (std::size_t i = 0; i < stream.size(); i += step)
        CHECK(demux.feed(std::string_view(stream).substr(i, step)));
      CHECK(out == "hello world\n");
      CHECK(demux.stderr_text() == "warning\n");
      CHECK(demux.complete());
      CHECK_FALSE(demux.malformed());
    }
  }

  TEST_CASE("frame demux caps stderr, reports truncation and stops when the sink stops") {
    engine::FrameDemuxer capped(nullptr, 4);
    capped.feed(UnixHttpServer::frame(2, "0123456789"));
    CHECK(capped.stderr_text() == "0123");

    engine::FrameDemuxer partial(nullptr);
    partial.feed(UnixHttpServer::frame(1, "abcdef").substr(0, 10));
    CHECK_FALSE(partial.complete());

    int calls = 0;
    engine::FrameDemuxer stopping([&](std::string_view) { return ++calls < 1; });
    CHECK_FALSE(stopping.feed(UnixHttpServer::frame(1, "a") + UnixHttpServer::frame(1, "b")));
    CHECK(calls == 1);

    engine::FrameDemuxer raw(nullptr);
    raw.feed("Linux version 6.1 (raw tty text)");
    CHECK(raw.malformed());

    std::string merged;
    engine::FrameDemuxer merging(
        [&](std::string_view c) {
          merged.append(c);
          return true;
        },
        16, true);
    merging.feed(UnixHttpServer::frame(1, "out ") + UnixHttpServer::frame(2, "err"));
    CHECK(merged == "out err");
  }

  TEST_CASE("docker ps JSON lines (docker CLI 28.2.2) parse into containers") {
    const auto cs = engine::parse_ps_output(data_file("ps-docker-28.2.2.jsonl"));
    REQUIRE(cs.size() == 2);
    const auto* cp = by_name(cs, "kmgprobe-control-plane");
    REQUIRE(cp != nullptr);
    CHECK(cp->id == "1641e5e0a68f");
    CHECK(cp->state == "created");
    CHECK(cp->labels.at("io.x-k8s.kind.cluster") == "kmgprobe");
    CHECK(cp->labels.at("io.x-k8s.kind.role") == "control-plane");
    REQUIRE(cp->ports.size() == 1);
    CHECK(cp->ports[0].container_port == "6443/tcp");
    CHECK(cp->ports[0].host_ip == "127.0.0.1");
    CHECK(cp->ports[0].host_port == "41999");
    const auto* worker = by_name(cs, "kmgprobe-worker");
    REQUIRE(worker != nullptr);
    CHECK(worker->ports.empty());
  }

  TEST_CASE("podman ps JSON array (podman 4.3.1) parses labels map and port objects") {
    const auto cs = engine::parse_ps_output(data_file("ps-podman-4.3.1.json"));
    REQUIRE(cs.size() == 2);
    const auto* cp = by_name(cs, "kmgprobe-control-plane");
    REQUIRE(cp != nullptr);
    CHECK(cp->id.size() == 64);
    CHECK(cp->state == "created");
    CHECK(cp->labels.at("io.x-k8s.kind.role") == "control-plane");
    REQUIRE(cp->ports.size() == 1);
    CHECK(cp->ports[0].container_port == "6443/tcp");
    CHECK(cp->ports[0].host_port == "41999");
    CHECK(by_name(cs, "kmgprobe-worker")->labels.at("io.x-k8s.kind.role") == "worker");
  }

  TEST_CASE("nerdctl ps lines: JSON-valued labels with commas, state derived from Status") {
    const auto cs = engine::parse_ps_output(data_file("ps-nerdctl.jsonl"));
    REQUIRE(cs.size() == 2);
    const auto* cp = by_name(cs, "nerd-e2e-control-plane");
    REQUIRE(cp != nullptr);
    CHECK(cp->state == "running");
    CHECK(cp->labels.at("io.x-k8s.kind.cluster") == "nerd-e2e");
    CHECK(cp->labels.at("nerdctl/networks") == "[\"kind\",\"other\"]");
    CHECK(cp->labels.at("nerdctl/ports").find("\"ContainerPort\":6443,\"Protocol\"") !=
          std::string::npos);
    REQUIRE(cp->ports.size() == 1);
    CHECK(cp->ports[0].host_port == "35127");
    const auto* worker = by_name(cs, "nerd-e2e-worker");
    REQUIRE(worker != nullptr);
    CHECK(worker->state == "exited");
  }

  TEST_CASE("port strings: published, exposed-only, IPv6 and ranges") {
    const auto ports = engine::parse_port_string(
        "0.0.0.0:80->80/tcp, :::80->80/tcp, 9000/tcp, [::1]:5353->53/udp, "
        "127.0.0.1:8000-8001->8000-8001/tcp");
    REQUIRE(ports.size() == 5);
    CHECK(ports[0].host_ip == "0.0.0.0");
    CHECK(ports[1].host_ip == "::");
    CHECK(ports[1].host_port == "80");
    CHECK(ports[2].host_ip == "::1");
    CHECK(ports[2].container_port == "53/udp");
    CHECK(ports[4].container_port == "8001/tcp");
    CHECK(ports[4].host_port == "8001");
    CHECK_THROWS_AS(engine::parse_ps_output("{\"ID\":\"x\"}\nnot json\n"), kmg::Error);
  }

  TEST_CASE("state from a human status") {
    CHECK(engine::state_from_status("Up 3 minutes") == "running");
    CHECK(engine::state_from_status("Up 2 hours (Paused)") == "paused");
    CHECK(engine::state_from_status("Exited (0) 5 seconds ago") == "exited");
    CHECK(engine::state_from_status("Created") == "created");
  }

  TEST_CASE("inspect ports: actual bindings first, requested PortBindings for never-started") {
    const auto never_started = nlohmann::json::parse(R"({
      "NetworkSettings": {"Ports": {}},
      "HostConfig": {"PortBindings": {"6443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "41234"}]}},
      "Config": {"Tty": true}})");
    auto p = engine::published_ports(never_started, "6443/tcp");
    REQUIRE(p.size() == 1);
    CHECK(p[0].host_port == "41234");
    CHECK(engine::inspect_tty(never_started));

    const auto running = nlohmann::json::parse(R"({
      "NetworkSettings": {"Ports": {"6443/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5000"}],
                                    "80/tcp": null}},
      "HostConfig": {"PortBindings": {"6443/tcp": [{"HostIp": "", "HostPort": ""}]}}})");
    p = engine::published_ports(running, "6443/tcp");
    REQUIRE(p.size() == 1);
    CHECK(p[0].host_port == "5000");
    CHECK(engine::published_ports(running, "80/tcp").empty());

    const auto random_port = nlohmann::json::parse(R"({
      "HostConfig": {"PortBindings": {"6443/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}}})");
    CHECK(engine::published_ports(random_port, "6443/tcp").empty());
  }

  TEST_CASE("run_process: exit code, stderr apart, missing program, timeout, signal, env") {
    std::string out;
    auto r = kmg::run_process_capture({"sh", "-c", "echo out; echo err >&2; exit 3"}, out);
    CHECK(r.exit_code == 3);
    CHECK(r.signal == 0);
    CHECK(out == "out\n");
    CHECK(r.stderr_text == "err\n");
    CHECK_FALSE(r.timed_out);
    CHECK(r.describe(std::chrono::seconds(1)) == "exit code 3: err");

    out.clear();
    r = kmg::run_process_capture({"kmg-no-such-program-x"}, out);
    CHECK(r.spawn_error.find("No such file") != std::string::npos);
    CHECK(r.exit_code == -1);

    kmg::ProcessOptions quick;
    quick.timeout = std::chrono::milliseconds(200);
    const auto started = std::chrono::steady_clock::now();
    r = kmg::run_process_capture({"sleep", "30"}, out, quick);
    CHECK(r.timed_out);
    CHECK(r.exit_code == -1);  // never "exited": killed, the same way for every caller
    CHECK(r.signal == SIGKILL);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));

    // Killed by a signal of its own: reported as the signal, not as 128+N.
    r = kmg::run_process_capture({"sh", "-c", "kill -TERM $$"}, out);
    CHECK(r.exit_code == -1);
    CHECK(r.signal == SIGTERM);
    CHECK(r.describe(std::chrono::seconds(1)) == "killed by signal 15");

    // A child that closes its output but keeps running is still bounded by the timeout.
    r = kmg::run_process_capture({"sh", "-c", "exec >&- 2>&-; sleep 30"}, out, quick);
    CHECK(r.timed_out);

    kmg::ProcessOptions with_env;
    with_env.env = {{"KMG_TEST_VAR", "set by the caller"}};
    out.clear();
    r = kmg::run_process_capture({"sh", "-c", "printf %s \"$KMG_TEST_VAR\""}, out, with_env);
    CHECK(out == "set by the caller");

    // The capture cap stops (and kills) a program that prints too much.
    out.clear();
    r = kmg::run_process_capture({"sh", "-c", "yes"}, out, {}, 1000);
    CHECK(r.stopped_by_sink);
    CHECK(out.size() <= 1000);
  }

  TEST_CASE("plan: DOCKER_HOST first, default sockets, podman sockets, provider filters") {
    TempDir dir;
    engine::EngineEnv env;
    env.docker_host = "unix:///custom/docker.sock";
    env.container_host = "unix:///run/user/1000/podman/podman.sock";
    env.xdg_runtime_dir = "/run/user/1000";
    env.path = dir.path() + "/bin";  // no CLIs
    auto plan = engine::plan_engines(env, "auto");
    std::vector<std::string> endpoints;
    for (const auto& c : plan.candidates) endpoints.push_back(c.endpoint);
    CHECK(endpoints ==
          std::vector<std::string>{"/custom/docker.sock", "/run/user/1000/podman/podman.sock",
                                   "/var/run/docker.sock", "/run/user/1000/docker.sock",
                                   "/run/user/1000/podman/podman.sock", "/run/podman/podman.sock"});

    plan = engine::plan_engines(env, "podman");
    for (const auto& c : plan.candidates) CHECK(c.provider == "podman");
    CHECK(plan.candidates.size() == 3);

    env.kind_provider = "podman";
    plan = engine::plan_engines(env, "auto");
    CHECK(plan.provider == "podman");
    plan = engine::plan_engines(env, "docker");  // the option wins over the variable
    CHECK(plan.provider == "docker");
    for (const auto& c : plan.candidates) CHECK(c.provider == "docker");

    env.kind_provider = "lxc";
    plan = engine::plan_engines(env, "auto");
    CHECK(plan.provider == "auto");
    REQUIRE_FALSE(plan.notes.empty());
    CHECK(plan.notes[0].find("KIND_EXPERIMENTAL_PROVIDER=lxc ignored") != std::string::npos);

    CHECK_THROWS_AS(engine::plan_engines(env, "lxd"), kmg::Error);
  }

  TEST_CASE("plan: nerdctl only through its CLI, docker/podman CLIs as fallbacks") {
    TempDir dir;
    write_script(dir, "nerdctl", "exit 0\n");
    write_script(dir, "podman", "exit 0\n");
    engine::EngineEnv env;
    env.path = dir.path() + "/bin";
    env.docker_host = "tcp://10.0.0.1:2376";
    auto plan = engine::plan_engines(env, "nerdctl");
    REQUIRE(plan.candidates.size() == 1);
    CHECK(plan.candidates[0].kind == engine::EngineCandidate::Kind::cli);
    CHECK(plan.candidates[0].endpoint == "nerdctl");

    plan = engine::plan_engines(env, "auto");
    bool podman_cli_fallback = false;
    for (const auto& c : plan.candidates)
      if (c.kind == engine::EngineCandidate::Kind::cli && c.provider == "podman")
        podman_cli_fallback = c.fallback;
    CHECK(podman_cli_fallback);
    REQUIRE_FALSE(plan.notes.empty());
    CHECK(plan.notes[0].find("not a unix:// socket") != std::string::npos);

    env.kind_provider = "finch";
    CHECK(engine::plan_engines(env, "auto").notes.back() == "finch not found in PATH");
  }

  TEST_CASE("select: a missing DOCKER_HOST socket is a failure line; a CLI engine answers") {
    TempDir dir;
    const std::string ps = dir.write("ps.out", data_file("ps-nerdctl.jsonl"));
    write_script(dir, "nerdctl",
                 "case \"$1\" in\n"
                 "  version) echo 'Client: nerdctl';;\n"
                 "  ps) cat '" +
                     ps +
                     "';;\n"
                     "  inspect) echo '[{\"Id\":\"abc\",\"Config\":{\"Tty\":true}}]';;\n"
                     "  exec) shift; [ \"$1\" = --privileged ] && shift; shift; echo \"ran $*\"; "
                     "echo oops >&2; exit 4;;\n"
                     "  logs) echo line1; echo line2 >&2;;\n"
                     "  *) echo \"unknown $1\" >&2; exit 1;;\n"
                     "esac\n");
    engine::EngineEnv env;
    env.path = dir.path() + "/bin";
    env.docker_host = "unix://" + dir.path() + "/missing.sock";
    const auto selected = engine::select_engines(env, "auto");
    REQUIRE(selected.engines.size() == 1);
    CHECK(selected.engines[0]->provider() == "nerdctl");
    bool reported = false;
    for (const auto& f : selected.failures)
      reported =
          reported || (f.find("missing.sock (DOCKER_HOST): no such socket") != std::string::npos);
    CHECK(reported);

    auto& cli = *selected.engines[0];
    const auto cs = cli.list_containers("io.x-k8s.kind.cluster");
    CHECK(cs.ok());
    CHECK(cs.containers.size() == 2);
    CHECK(nlohmann::json::parse(cli.inspect("abc").json)["Id"] == "abc");
    std::string out;
    const auto r = cli.exec("abc", {"cat", "/kind/version"},
                            [&](std::string_view c) {
                              out.append(c);
                              return true;
                            },
                            {});
    // The command ran and failed: the engine call is ok, the exit code and stderr are its own.
    CHECK(r.ok());
    CHECK(out == "ran cat /kind/version\n");
    CHECK(r.exit_code == 4);
    CHECK(r.stderr_text == "oops\n");
    std::string logs;
    cli.logs("abc",
             [&](std::string_view c) {
               logs.append(c);
               return true;
             },
             {});
    CHECK(logs.find("line1") != std::string::npos);
    CHECK(logs.find("line2") != std::string::npos);
  }

  TEST_CASE("select: an engine that refuses is reported with its reason") {
    TempDir dir;
    write_script(
        dir, "nerdctl",
        "echo 'FATA[0000] cannot access containerd socket: permission denied' >&2; exit 1\n");
    engine::EngineEnv env;
    env.path = dir.path() + "/bin";
    const auto selected = engine::select_engines(env, "nerdctl");
    CHECK(selected.engines.empty());
    REQUIRE(selected.failures.size() == 1);
    CHECK(selected.failures[0].find("asked nerdctl CLI " + dir.path() +
                                    "/bin/nerdctl: version: exit code 1: FATA[0000] "
                                    "cannot access containerd socket: permission denied") !=
          std::string::npos);
  }

  TEST_CASE("socket engine: podman detected from /_ping, versioned paths, exec demux, exit code") {
    TempDir dir;
    const std::string sock = dir.path() + "/podman.sock";
    UnixHttpServer server(sock, [](const kmg::testing::HttpRequest& r) -> std::string {
      if (r.target == "/_ping")
        return UnixHttpServer::reply(200, "OK",
                                     "Api-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\n"
                                     "Server: Libpod/4.3.1 (linux)\r\n");
      if (r.target.rfind("/v1.41/containers/json?all=1&filters=", 0) == 0)
        return UnixHttpServer::reply(200,
                                     R"([{"Id":"abc","Names":["/c1-control-plane"],"State":"exited",
                      "Labels":{"io.x-k8s.kind.cluster":"c1"},
                      "Ports":[{"IP":"127.0.0.1","PrivatePort":6443,"PublicPort":40001,"Type":"tcp"}]}])");
      if (r.target == "/v1.41/containers/abc/exec")
        return UnixHttpServer::reply(201, R"({"Id":"e1"})");
      if (r.target == "/v1.41/exec/e1/start")
        return UnixHttpServer::raw_stream(UnixHttpServer::frame(1, "kubelet ok\n") +
                                          UnixHttpServer::frame(2, "warn\n"));
      if (r.target == "/v1.41/exec/e1/json")
        return UnixHttpServer::reply(200, R"({"Running":false,"ExitCode":2})");
      return UnixHttpServer::reply(404, R"({"message":"no such thing"})");
    });
    engine::SocketEngine e(sock, "docker");
    e.ping();
    CHECK(e.provider() == "podman");
    CHECK(e.api_version() == "1.41");
    const auto listed = e.list_containers("io.x-k8s.kind.cluster");
    const auto& cs = listed.containers;
    REQUIRE(cs.size() == 1);
    CHECK(cs[0].name == "c1-control-plane");
    CHECK(cs[0].state == "exited");
    REQUIRE(cs[0].ports.size() == 1);
    CHECK(cs[0].ports[0].host_port == "40001");
    CHECK(cs[0].ports[0].container_port == "6443/tcp");

    std::string out;
    const auto r = e.exec("abc", {"journalctl", "-u", "kubelet"},
                          [&](std::string_view c) {
                            out.append(c);
                            return true;
                          },
                          {});
    CHECK(r.ok());
    CHECK(out == "kubelet ok\n");
    CHECK(r.stderr_text == "warn\n");
    CHECK(r.exit_code == 2);
    const auto reqs = server.requests();
    bool sent_cmd = false;
    for (const auto& q : reqs)
      if (q.target == "/v1.41/containers/abc/exec")
        sent_cmd = nlohmann::json::parse(q.body)["Cmd"][2] == "kubelet" &&
                   nlohmann::json::parse(q.body)["Tty"] == false;
    CHECK(sent_cmd);

    const auto missing = e.inspect("zzz");
    CHECK(missing.kind == engine::ErrorKind::not_found);
    CHECK(missing.error ==
          "podman at " + sock + ": GET /v1.41/containers/zzz/json: 404 no such thing");
  }

  TEST_CASE("socket engine: a refused privileged exec, a missing program, a paused node, a hang") {
    TempDir dir;
    const std::string sock = dir.path() + "/docker.sock";
    // What Docker 20.10 writes when runc cannot start the process: the error as a stdout frame
    // of the exec stream, then exit code 126 (127 for a missing program) in the exec's inspect.
    const std::string caps =
        "OCI runtime exec failed: exec failed: unable to start container process: unable to "
        "apply caps: operation not permitted: unknown\r\n";
    const std::string missing =
        "OCI runtime exec failed: exec failed: unable to start container process: exec: "
        "\"crictl\": executable file not found in $PATH: unknown\r\n";
    UnixHttpServer server(sock, [&](const kmg::testing::HttpRequest& r) -> std::string {
      if (r.target == "/_ping")
        return UnixHttpServer::reply(200, "OK", "Api-Version: 1.41\r\nServer: Docker/20.10\r\n");
      if (r.target == "/v1.41/containers/paused/exec")
        return UnixHttpServer::reply(
            409, R"({"message":"Container paused is paused, unpause the container before exec"})");
      if (r.target == "/v1.41/containers/node/exec") {
        const auto body = nlohmann::json::parse(r.body);
        const std::string cmd = body["Cmd"][0];
        const std::string id = cmd == "crictl"      ? "missing"
                               : cmd == "sleep"     ? "hang"
                               : body["Privileged"] ? "priv"
                                                    : "plain";
        return UnixHttpServer::reply(201, R"({"Id":")" + id + R"("})");
      }
      if (r.target == "/v1.41/exec/priv/start")
        return UnixHttpServer::raw_stream(UnixHttpServer::frame(1, caps));
      if (r.target == "/v1.41/exec/missing/start")
        return UnixHttpServer::raw_stream(UnixHttpServer::frame(1, missing));
      if (r.target == "/v1.41/exec/plain/start")
        return UnixHttpServer::raw_stream(UnixHttpServer::frame(1, "journal line\n") +
                                          UnixHttpServer::frame(2, "a warning\n"));
      if (r.target == "/v1.41/exec/hang/start") {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        return UnixHttpServer::raw_stream("");
      }
      if (r.target == "/v1.41/exec/priv/json")
        return UnixHttpServer::reply(200, R"({"Running":false,"ExitCode":126})");
      if (r.target == "/v1.41/exec/missing/json")
        return UnixHttpServer::reply(200, R"({"Running":false,"ExitCode":127})");
      if (r.target == "/v1.41/exec/plain/json")
        return UnixHttpServer::reply(200, R"({"Running":false,"ExitCode":0})");
      return UnixHttpServer::reply(
          404, R"({"message":"Could not find the file /nope in container node"})");
    });
    engine::SocketEngine e(sock, "docker");
    std::string out;
    const engine::ChunkSink keep = [&](std::string_view c) {
      out.append(c);
      return true;
    };
    engine::CallOptions privileged;
    privileged.privileged = true;
    auto r = e.exec("node", {"journalctl", "--no-pager"}, keep, privileged);
    CHECK(r.kind == engine::ErrorKind::refused);
    CHECK(r.exit_code == 126);
    CHECK(r.error.find("unable to apply caps: operation not permitted") != std::string::npos);

    out.clear();
    r = e.exec("node", {"journalctl", "--no-pager"}, keep, {});
    CHECK(r.succeeded());
    CHECK(out == "journal line\n");         // stdout only
    CHECK(r.stderr_text == "a warning\n");  // stderr apart

    r = e.exec("node", {"crictl", "images"}, keep, privileged);
    CHECK(r.kind == engine::ErrorKind::not_found);
    CHECK(r.exit_code == 127);

    r = e.exec("paused", {"cat", "/kind/version"}, keep, {});
    CHECK(r.kind == engine::ErrorKind::not_running);
    CHECK(r.error.find("409 Container paused is paused") != std::string::npos);

    engine::CallOptions quick;
    quick.timeout = std::chrono::milliseconds(300);
    const auto started = std::chrono::steady_clock::now();
    r = e.exec("node", {"sleep", "100"}, keep, quick);
    CHECK(r.kind == engine::ErrorKind::timed_out);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));

    const auto a = e.archive("node", "/nope", keep, {});
    CHECK(a.kind == engine::ErrorKind::not_found);

    bool sent_privileged = false, sent_plain = false;
    for (const auto& q : server.requests()) {
      if (q.target != "/v1.41/containers/node/exec") continue;
      const auto body = nlohmann::json::parse(q.body);
      if (body["Cmd"][0] != "journalctl") continue;
      (body["Privileged"] == true ? sent_privileged : sent_plain) = true;
    }
    CHECK(sent_privileged);
    CHECK(sent_plain);
  }

  TEST_CASE(
      "socket engine: a stream silent for request_timeout stops, whatever the call's timeout") {
    // A paused node's exec stream sends nothing until the call's timeout (kind#1298).
    TempDir dir;
    const std::string sock = dir.path() + "/docker.sock";
    UnixHttpServer server(sock, [&](const kmg::testing::HttpRequest& r) -> std::string {
      if (r.target == "/_ping")
        return UnixHttpServer::reply(200, "OK", "Api-Version: 1.41\r\nServer: Docker/20.10\r\n");
      if (r.target == "/v1.41/containers/node/exec")
        return UnixHttpServer::reply(201, R"({"Id":"hang"})");
      if (r.target == "/v1.41/exec/hang/start") {
        std::this_thread::sleep_for(std::chrono::seconds(12));
        return UnixHttpServer::raw_stream("");
      }
      return UnixHttpServer::reply(404, R"({"message":"no"})");
    });
    engine::SocketEngineOptions options;
    options.request_timeout = std::chrono::seconds(1);
    engine::SocketEngine e(sock, "docker", options);
    engine::CallOptions call;
    call.timeout = std::chrono::seconds(60);
    const auto started = std::chrono::steady_clock::now();
    const auto r = e.exec(
        "node", {"journalctl"}, [](std::string_view) { return true; }, call);
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(r.kind == engine::ErrorKind::timed_out);
    CHECK(r.error.find("stalled: no data for 1s") != std::string::npos);
    // request_timeout, after libcurl's speed window (its speed is an average over ~6 s).
    CHECK(took < std::chrono::milliseconds(9000));
  }

  TEST_CASE("classify: engine messages to error kinds") {
    CHECK(engine::kind_from_status(409, "Container x is not running") ==
          engine::ErrorKind::not_running);
    CHECK(engine::kind_from_message("can only create exec sessions on running containers: "
                                    "container state improper") == engine::ErrorKind::not_running);
    CHECK(engine::kind_from_status(500,
                                   "OCI runtime exec failed: unable to apply caps: "
                                   "operation not permitted") == engine::ErrorKind::refused);
    CHECK(engine::kind_from_status(404, "anything") == engine::ErrorKind::not_found);
    CHECK(engine::kind_from_message("boom") == engine::ErrorKind::failed);
    CHECK(engine::is_exec_start_failure("OCI runtime exec failed: exec failed: x"));
    CHECK_FALSE(engine::is_exec_start_failure("-- Journal begins at Mon 2026-02-02 --"));
  }

  TEST_CASE("socket engine: logs are raw with a TTY and demultiplexed without") {
    TempDir dir;
    const std::string sock = dir.path() + "/docker.sock";
    UnixHttpServer server(sock, [](const kmg::testing::HttpRequest& r) -> std::string {
      if (r.target == "/_ping")
        return UnixHttpServer::reply(200, "OK",
                                     "Api-Version: 1.47\r\nServer: Docker/27.5.1 (linux)\r\n");
      if (r.target == "/v1.47/containers/tty/json")
        return UnixHttpServer::reply(200, R"({"Config":{"Tty":true}})");
      if (r.target == "/v1.47/containers/notty/json")
        return UnixHttpServer::reply(200, R"({"Config":{"Tty":false}})");
      if (r.target.rfind("/v1.47/containers/tty/logs?", 0) == 0)
        return UnixHttpServer::reply(200, "2025-01-01T00:00:00Z systemd booting\n");
      if (r.target.rfind("/v1.47/containers/notty/logs?", 0) == 0)
        return UnixHttpServer::reply(
            200, UnixHttpServer::frame(1, "a\n") + UnixHttpServer::frame(2, "b\n"));
      return UnixHttpServer::reply(500, R"({"message":"boom"})");
    });
    engine::SocketEngine e(sock, "podman");
    std::string tty, notty;
    e.logs("tty",
           [&](std::string_view c) {
             tty.append(c);
             return true;
           },
           {});
    e.logs("notty",
           [&](std::string_view c) {
             notty.append(c);
             return true;
           },
           {});
    CHECK(e.provider() == "docker");
    CHECK(tty == "2025-01-01T00:00:00Z systemd booting\n");
    CHECK(notty == "a\nb\n");
    bool timestamps = false;
    for (const auto& q : server.requests())
      timestamps = timestamps || q.target.find("timestamps=1") != std::string::npos;
    CHECK(timestamps);
    const auto refused = e.list_containers("x");
    CHECK(refused.kind == engine::ErrorKind::failed);
    CHECK(refused.error.find("docker at " + sock + ": GET /v1.47/containers/json?all=1&filters=") !=
          std::string::npos);
  }

  TEST_CASE("socket engine: a missing socket names engine, socket and request") {
    TempDir dir;
    engine::SocketEngine e(dir.path() + "/nope.sock", "podman");
    CHECK_THROWS_WITH_AS(e.ping(),
                         doctest::Contains((("podman at " + dir.path()) +
                                            "/nope.sock: GET /_ping: no such file or directory")
                                               .c_str()),
                         kmg::Error);
  }
}
