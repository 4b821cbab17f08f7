// ClusterTracker: the ClusterEvent lines of a cluster's life and one recorder per reachable
// cluster, stopped when it goes away or stops answering and started again when it is back.
#include <map>

#include <doctest/doctest.h>

#include "record/cluster_tracker.h"
#include "record/recording_writer.h"
#include "temp_dir.h"

namespace {

using kmg::discovery::ClusterTarget;

struct Counts {
  int started = 0, stopped = 0;
};

class CountingRecorder : public kmg::record::ClusterRecorder {
 public:
  explicit CountingRecorder(Counts& counts) : counts_(counts) {}
  void start() override { ++counts_.started; }
  void stop() override { ++counts_.stopped; }
  kmg::record::ClusterRecorderStats stats() const override {
    kmg::record::ClusterRecorderStats s;
    s.relists = 2;
    s.log_streams = 3;
    return s;
  }

 private:
  Counts& counts_;
};

ClusterTarget target(const std::string& name) {
  ClusterTarget t;
  t.name = name;
  t.provider = "podman";
  t.nodes.push_back({name + "-control-plane", "control-plane", "running", "kindest/node", "id"});
  return t;
}

std::vector<std::string> events(const std::string& dir) {
  std::vector<std::string> out;
  const std::string text =
      kmg::testing::read_file(kmg::record::paths::clusters_jsonl(dir).string());
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    const auto line = nlohmann::json::parse(text.substr(start, nl - start));
    CHECK(line["nodes"].size() == 1);
    out.push_back(line["cluster"].get<std::string>() + " " + line["event"].get<std::string>());
  }
  return out;
}

}  // namespace

TEST_SUITE("record") {
  TEST_CASE("a cluster's life: appeared, reachable, unreachable, back, disappeared") {
    kmg::testing::TempDir tmp;
    auto writer = kmg::record::make_recording_writer(tmp.path());
    std::map<std::string, std::string> problems;  // cluster -> what the probe answers
    std::map<std::string, Counts> counts;
    kmg::record::ClusterTracker tracker(
        *writer, [&](const ClusterTarget& t) { return problems[t.name]; },
        [&](const ClusterTarget& t) { return std::make_unique<CountingRecorder>(counts[t.name]); });

    tracker.update({target("a"), target("b")});
    tracker.update({target("a"), target("b")});  // nothing changed: no new lines
    CHECK(tracker.recording_count() == 2);
    problems["a"] = "connection refused";
    tracker.update({target("a"), target("b")});
    // An API server that went away keeps its recorder: its watches resume when it is back.
    CHECK(tracker.recording_count() == 2);
    problems["a"] = "";
    tracker.update({target("a")});  // a answers again; b is gone
    tracker.update({});             // a is gone too

    CHECK(events(tmp.path()) == std::vector<std::string>{"a appeared", "a reachable", "b appeared",
                                                         "b reachable", "a unreachable",
                                                         "a reachable", "b disappeared",
                                                         "a disappeared"});
    CHECK(counts["a"].started == 1);
    CHECK(counts["a"].stopped == 1);
    CHECK(counts["b"].started == 1);
    CHECK(counts["b"].stopped == 1);
    CHECK(tracker.recording_count() == 0);
    // The stats of every recorder a cluster had, summed.
    const auto stats = tracker.stats();
    CHECK(stats["a"]["relists"] == 2);
    CHECK(stats["a"]["log_streams"] == 3);
    CHECK(stats["b"]["relists"] == 2);
  }

  TEST_CASE("a cluster recreated under its name gets a new recorder") {
    kmg::testing::TempDir tmp;
    auto writer = kmg::record::make_recording_writer(tmp.path());
    std::map<std::string, std::string> problems;
    std::map<std::string, Counts> counts;
    kmg::record::ClusterTracker tracker(
        *writer, [&](const ClusterTarget& t) { return problems[t.name]; },
        [&](const ClusterTarget& t) { return std::make_unique<CountingRecorder>(counts[t.name]); });
    auto first = target("a");
    first.rest = kmg::kube::RestConfig{};
    first.rest->server = "https://127.0.0.1:40001";
    tracker.update({first});
    problems["a"] = "connection refused";
    tracker.update({first});
    problems["a"] = "";
    auto second = first;
    second.rest->server = "https://127.0.0.1:40002";
    tracker.update({second});
    CHECK(counts["a"].started == 2);
    CHECK(counts["a"].stopped == 1);
    CHECK(tracker.recording_count() == 1);
  }

  TEST_CASE("a cluster unreachable from the start gets no recorder until it answers") {
    kmg::testing::TempDir tmp;
    auto writer = kmg::record::make_recording_writer(tmp.path());
    std::string problem = "stopped control plane";
    Counts counts;
    kmg::record::ClusterTracker tracker(
        *writer, [&](const ClusterTarget&) { return problem; },
        [&](const ClusterTarget&) { return std::make_unique<CountingRecorder>(counts); });
    tracker.update({target("c")});
    CHECK(counts.started == 0);
    problem.clear();
    tracker.update({target("c")});
    CHECK(counts.started == 1);
    tracker.stop_all();
    CHECK(counts.stopped == 1);
    CHECK(events(tmp.path()) ==
          std::vector<std::string>{"c appeared", "c unreachable", "c reachable"});
  }
}
