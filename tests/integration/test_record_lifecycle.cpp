// `kind-must-gather record` end to end against the fake apiserver: started in the background and
// stopped with `record --stop`, stopped with SIGTERM, ended by --duration, and killed with
// SIGKILL then finished with `record --finish`. Each leaves a bundle at --output and no recording
// folder (README.md, "record").
#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <doctest/doctest.h>
#include <signal.h>

#include "child_process.h"
#include "fake_apiserver_process.h"
#include "fixture.h"

using kmg::reliability::ChildProcess;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr auto kGenerous = 120s;  // a gather on a loaded CI machine

// True once a clusters.jsonl has a line for `event` ("reachable", "unreachable").
bool wait_event(const fs::path& lines, const std::string& event, std::chrono::seconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (fs::exists(lines) &&
        kmg::testing::read_file(lines.string()).find("\"event\":\"" + event + "\"") !=
            std::string::npos)
      return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

struct Run {
  kmg::testing::TempDir dir;
  kmg::testing::FakeApiserver api;
  std::string output, recording, pid_file, home;

  Run()
      : api(kmg::testing::FakeApiserver::start(
            {.scenarios = {kmg::testing::source_root() + "/tests/scenarios/healthy.json"},
             .cluster_name = "rec"})),
        output(dir.path() + "/out.tar.gz"),
        recording(output + ".recording"),
        pid_file(dir.path() + "/recorder.pid"),
        home(dir.path() + "/home") {
    fs::create_directories(home);
  }

  std::unique_ptr<ChildProcess> tool(std::vector<std::string> args) const {
    args.insert(args.begin(), kmg::reliability::kmg_exe());
    return std::make_unique<ChildProcess>(args, std::vector<std::string>{"HOME=" + home});
  }

  std::unique_ptr<ChildProcess> record(std::vector<std::string> extra) const {
    std::vector<std::string> args{"record",   "--no-kind", "--kubeconfig",    api.kubeconfig_path(),
                                  "--output", output,      "--poll-interval", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    return tool(args);
  }

  bool wait_reachable(std::chrono::seconds limit) const {
    return wait_event(fs::path(recording) / "clusters.jsonl", "reachable", limit);
  }

  nlohmann::json recording_json() const {
    return nlohmann::json::parse(kmg::testing::read_file(recording + "/recording.json"));
  }
};

bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  // A zombie (not yet reaped by whoever started it) has exited too.
  const std::string stat = kmg::testing::read_file("/proc/" + std::to_string(pid) + "/stat");
  return stat.substr(stat.rfind(')') + 2, 1) == "Z";
}

void check_bundle(const Run& run) {
  REQUIRE(fs::exists(run.output));
  const auto files = kmg::reliability::read_bundle(run.output);
  REQUIRE(files.count("manifest.json") == 1);
  CHECK(files.count("REPORT.md") == 1);
  CHECK(files.count("clusters/kind-rec/version.json") == 1);  // the stop-time gather reached it
  CHECK_FALSE(fs::exists(run.recording));                     // removed once the bundle is written
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("record --background then record --stop: a bundle, and the recording folder gone") {
    Run run;
    auto start = run.record({"--background", "--pid-file", run.pid_file});
    const auto started = start->wait_for(30s);
    INFO("start stderr: ", start->err());
    REQUIRE(started.has_value());
    CHECK(*started == 0);
    CHECK(start->out().find("recording: pid ") != std::string::npos);
    const auto info = run.recording_json();
    CHECK(info["format"] == 1);
    CHECK(info["output"] == fs::absolute(run.output).string());
    const pid_t recorder = info["pid"].get<pid_t>();
    CHECK(recorder != start->pid());  // detached: the start command has returned
    CHECK(kmg::testing::read_file(run.pid_file).rfind(std::to_string(recorder) + "\n", 0) == 0);
    REQUIRE(run.wait_reachable(30s));
    CHECK_FALSE(process_gone(recorder));

    auto stop = run.tool({"record", "--stop", "--pid-file", run.pid_file});
    const auto stopped = stop->wait_for(kGenerous);
    INFO("stop stderr: ", stop->err());
    REQUIRE(stopped.has_value());
    CHECK(*stopped == 0);
    CHECK(process_gone(recorder));
    CHECK(stop->out().find("bundle: ") != std::string::npos);  // the gather ran in the stop step
    CHECK_FALSE(fs::exists(run.pid_file));
    check_bundle(run);
    // The background recorder's own log travels with the bundle.
    CHECK(kmg::reliability::read_bundle(run.output).count("attachments/recorder.log") == 1);
  }

  TEST_CASE("SIGTERM stops a foreground recorder, which then gathers") {
    Run run;
    auto recorder = run.record({"--pid-file", run.pid_file});
    REQUIRE_MESSAGE(run.wait_reachable(30s), recorder->err());
    CHECK(recorder->out().find("recording: pid " + std::to_string(recorder->pid())) !=
          std::string::npos);
    recorder->send(SIGTERM);
    const auto code = recorder->wait_for(kGenerous);
    INFO("stderr: ", recorder->err());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK_FALSE(fs::exists(run.pid_file));
    check_bundle(run);
  }

  TEST_CASE("--duration ends the recording by itself") {
    Run run;
    auto recorder = run.record({"--duration", "3s"});
    const auto code = recorder->wait_for(kGenerous);
    INFO("stderr: ", recorder->err());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK(recorder->err().find("--duration elapsed") != std::string::npos);
    check_bundle(run);
  }

  TEST_CASE("a recorder killed with SIGKILL leaves a recording that record --finish bundles") {
    Run run;
    auto recorder = run.record({});
    REQUIRE_MESSAGE(run.wait_reachable(30s), recorder->err());
    recorder->send(SIGKILL);
    REQUIRE(recorder->wait_for(10s).has_value());
    REQUIRE(fs::exists(run.recording + "/recording.json"));
    CHECK_FALSE(fs::exists(run.recording + "/stopped.json"));

    // A recording already there is not overwritten by a new recorder.
    auto again = run.record({});
    const auto refused = again->wait_for(30s);
    REQUIRE(refused.has_value());
    CHECK(*refused == 3);
    CHECK(again->err().find("record --finish") != std::string::npos);

    // The recorded selection (--no-kind --kubeconfig) is reused: --finish names only the folder.
    auto finish = run.tool({"record", "--finish", run.recording, "--output", run.output});
    const auto code = finish->wait_for(kGenerous);
    INFO("stderr: ", finish->err());
    REQUIRE(code.has_value());
    CHECK(*code == 0);
    CHECK(finish->err().find("no stopped.json") != std::string::npos);
    check_bundle(run);
  }

  TEST_CASE("an API server that goes away mid-recording: unreachable, and still a bundle") {
    kmg::testing::TempDir dir;
    auto api = std::make_unique<kmg::testing::FakeApiserver>(kmg::testing::FakeApiserver::start(
        {.scenarios = {kmg::testing::source_root() + "/tests/scenarios/healthy.json"},
         .cluster_name = "gone"}));
    // A copy: the fake's own kubeconfig goes with it, this one stays and points at nothing.
    const std::string kubeconfig =
        dir.write("kubeconfig", kmg::testing::read_file(api->kubeconfig_path()));
    const std::string output = dir.path() + "/out.tar.gz";
    fs::create_directories(dir.path() + "/home");
    ChildProcess recorder({kmg::reliability::kmg_exe(), "record", "--no-kind", "--kubeconfig",
                           kubeconfig, "--output", output, "--poll-interval", "1"},
                          {"HOME=" + dir.path() + "/home"});
    const fs::path lines = output + ".recording/clusters.jsonl";
    REQUIRE_MESSAGE(wait_event(lines, "reachable", 30s), recorder.err());
    api.reset();  // the cluster's API server stops
    REQUIRE_MESSAGE(wait_event(lines, "unreachable", 30s), recorder.err());
    recorder.send(SIGTERM);
    const auto code = recorder.wait_for(kGenerous);
    INFO("stderr: ", recorder.err());
    REQUIRE(code.has_value());
    CHECK(*code == 0);  // the gather is incomplete (cluster unreachable), the recorder exits 0
    REQUIRE(fs::exists(output));
    const auto manifest =
        nlohmann::json::parse(kmg::reliability::read_bundle(output).at("manifest.json"));
    REQUIRE(manifest["clusters"].contains("kind-gone"));
    CHECK_FALSE(manifest["clusters"]["kind-gone"].value("reachable", true));
    CHECK_FALSE(fs::exists(output + ".recording"));
  }

  TEST_CASE("record --stop without a recorder exits 3 and says why") {
    Run run;
    auto stop = run.tool({"record", "--stop", "--pid-file", run.pid_file});
    const auto code = stop->wait_for(30s);
    REQUIRE(code.has_value());
    CHECK(*code == 3);
    CHECK(stop->err().find(run.pid_file) != std::string::npos);
  }
}
