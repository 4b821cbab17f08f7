// The recording on disk, as record/recording.h documents it: line schemas, segment rotation, log
// tails bounded by the limit, many writers at once, few open descriptors, and what a SIGKILL
// leaves (complete lines plus at most one partial last line).
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/recording_writer.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using kmg::record::ClusterEvent;
using kmg::record::LogInstance;
using kmg::record::ObjectChange;
using kmg::record::WriterOptions;

namespace {

struct Lines {
  std::vector<nlohmann::json> complete;
  std::string partial;  // a last line without '\n'
};

// Reads a .jsonl file the way recording.h tells a reader to: a last line without '\n' is skipped.
Lines read_lines(const fs::path& path) {
  const std::string text = kmg::testing::read_file(path.string());
  Lines out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.complete.push_back(nlohmann::json::parse(text.substr(start, nl - start)));
  out.partial = text.substr(start);
  return out;
}

std::vector<fs::path> segments(const fs::path& dir, const std::string& cluster) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kmg::record::paths::cluster_dir(dir, cluster)))
    if (e.path().filename().string().rfind("objects-", 0) == 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<nlohmann::json> all_object_lines(const fs::path& dir, const std::string& cluster) {
  std::vector<nlohmann::json> out;
  for (const auto& s : segments(dir, cluster)) {
    auto lines = read_lines(s);
    CHECK(lines.partial.empty());
    out.insert(out.end(), lines.complete.begin(), lines.complete.end());
  }
  return out;
}

ObjectChange pod_change(const std::string& type, int n, std::size_t padding = 0) {
  ObjectChange c;
  c.at = 1'770'200'100'123'456'789 + n;
  c.type = type;
  c.version = "v1";
  c.resource = "pods";
  c.object = {{"metadata", {{"name", "p" + std::to_string(n)}, {"resourceVersion", "7"}}},
              {"pad", std::string(padding, 'x')}};
  return c;
}

std::size_t open_fd_count() {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}));
}

}  // namespace

TEST_SUITE("record") {
  TEST_CASE("timestamps carry nine fraction digits and parse back") {
    const kmg::EpochNanos t = 1'770'200'100'000'000'042;
    const std::string text = kmg::format_rfc3339_nano(t);
    CHECK(text == "2026-02-04T10:15:00.000000042Z");
    CHECK(kmg::parse_rfc3339(text) == t);
  }

  TEST_CASE("cluster events and object changes follow the line schemas") {
    kmg::testing::TempDir tmp;
    const fs::path dir = fs::path(tmp.path()) / "out.tar.gz.recording";
    auto writer = kmg::record::make_recording_writer(dir);
    ClusterEvent e{42,
                   "kind-a",
                   "appeared",
                   "podman",
                   "https://127.0.0.1:6443",
                   {{"a-control-plane", "control-plane", "running", "kindest/node:v1.32.0"}},
                   ""};
    writer->cluster_event(e);
    writer->object("kind-a", pod_change("ADDED", 1));
    writer->object("kind-a", pod_change("DELETED", 1));

    const auto events = read_lines(kmg::record::paths::clusters_jsonl(dir));
    REQUIRE(events.complete.size() == 1);
    const auto& line = events.complete[0];
    CHECK(line["at"] == "1970-01-01T00:00:00.000000042Z");
    CHECK(line["cluster"] == "kind-a");
    CHECK(line["event"] == "appeared");
    CHECK(line["provider"] == "podman");
    CHECK(line["endpoint"] == "https://127.0.0.1:6443");
    CHECK(line["nodes"][0]["role"] == "control-plane");
    CHECK(line["nodes"][0]["image"] == "kindest/node:v1.32.0");

    const auto objects = all_object_lines(dir, "kind-a");
    REQUIRE(objects.size() == 2);
    CHECK(objects[0]["type"] == "ADDED");
    CHECK(objects[1]["type"] == "DELETED");
    CHECK(objects[0]["group"] == "");
    CHECK(objects[0]["version"] == "v1");
    CHECK(objects[0]["resource"] == "pods");
    CHECK(objects[0]["object"]["metadata"]["name"] == "p1");
    CHECK(kmg::parse_rfc3339(objects[0]["at"].get<std::string>()) == pod_change("ADDED", 1).at);
    CHECK(segments(dir, "kind-a").front().filename() == "objects-000001.jsonl");
    CHECK(writer->stats().object_lines == 2);
  }

  TEST_CASE("a new segment starts past the segment size, no line split between two") {
    kmg::testing::TempDir tmp;
    const fs::path dir = tmp.path();
    WriterOptions options;
    options.segment_bytes = 1000;
    auto writer = kmg::record::make_recording_writer(dir, options);
    for (int i = 0; i < 60; ++i) writer->object("c", pod_change("MODIFIED", i, 100));
    const auto files = segments(dir, "c");
    CHECK(files.size() >= 6);
    for (const auto& f : files) CHECK(fs::file_size(f) <= 1000);
    const auto lines = all_object_lines(dir, "c");
    REQUIRE(lines.size() == 60);
    for (int i = 0; i < 60; ++i)
      CHECK(lines[i]["object"]["metadata"]["name"] == "p" + std::to_string(i));

    // A writer reopened on the folder appends to the last segment instead of overwriting.
    writer.reset();
    auto again = kmg::record::make_recording_writer(dir, options);
    again->object("c", pod_change("MODIFIED", 60, 100));
    CHECK(all_object_lines(dir, "c").size() == 61);
  }

  TEST_CASE("a container instance's log keeps its tail within the limit") {
    kmg::testing::TempDir tmp;
    const fs::path dir = tmp.path();
    WriterOptions options;
    options.log_limit_bytes = 100;
    auto writer = kmg::record::make_recording_writer(dir, options);
    const LogInstance instance{"ns", "web-0", "app", "containerd://0123456789abcdef", 3};
    std::string all;
    {
      auto log = writer->open_log("c", instance);
      for (int i = 0; i < 100; ++i) {
        char line[16];
        std::snprintf(line, sizeof line, "line-%04d\n", i);  // 10 bytes
        all += line;
        log->append(line);
      }
      log->close("container terminated");
    }
    const fs::path current =
        kmg::record::paths::log_file(dir, "c", "ns", "web-0", "app", "0003-0123456789ab");
    const fs::path older = fs::path(current.string() + ".0");
    REQUIRE(fs::exists(current));
    REQUIRE(fs::exists(older));
    const std::string kept =
        kmg::testing::read_file(older.string()) + kmg::testing::read_file(current.string());
    CHECK(kept.size() <= 100);
    CHECK(kept.size() >= 50);
    CHECK(all.substr(all.size() - kept.size()) == kept);  // exactly the newest bytes

    const auto stats = writer->stats();
    CHECK(stats.log_streams == 1);
    CHECK(stats.log_bytes == all.size());
    CHECK(stats.log_bytes_dropped == all.size() - kept.size());

    const auto marks = all_object_lines(dir, "c");
    REQUIRE(marks.size() == 2);
    CHECK(marks[0]["type"] == "LOG");
    CHECK(marks[0]["state"] == "open");
    CHECK(marks[0]["instance"] == "0003-0123456789ab");
    CHECK(marks[0]["restart_count"] == 3);
    CHECK(marks[0]["container_id"] == "containerd://0123456789abcdef");
    CHECK(marks[1]["state"] == "closed");
    CHECK(marks[1]["reason"] == "container terminated");
    CHECK(marks[1]["dropped_bytes"] == all.size() - kept.size());
  }

  TEST_CASE("one chunk larger than the limit keeps its tail") {
    kmg::testing::TempDir tmp;
    WriterOptions options;
    options.log_limit_bytes = 64;
    auto writer = kmg::record::make_recording_writer(tmp.path(), options);
    auto log = writer->open_log("c", {"ns", "p", "c1", "docker://abc", 0});
    std::string big;
    for (int i = 0; i < 50; ++i) big += static_cast<char>('a' + i % 26);
    big += std::string(200, '-') + "THE-END";
    log->append(big);
    log.reset();  // closes it
    const auto path = kmg::record::paths::log_file(tmp.path(), "c", "ns", "p", "c1", "0000-abc");
    const std::string kept = kmg::testing::read_file(path.string());
    CHECK(kept.size() == 32);
    CHECK(big.substr(big.size() - 32) == kept);
    CHECK(all_object_lines(tmp.path(), "c").back()["state"] == "closed");
  }

  TEST_CASE("many log streams hold a bounded number of descriptors, and lose nothing") {
    kmg::testing::TempDir tmp;
    WriterOptions options;
    options.max_open_logs = 4;
    auto writer = kmg::record::make_recording_writer(tmp.path(), options);
    const std::size_t before = open_fd_count();
    std::vector<std::unique_ptr<kmg::record::LogAppender>> logs;
    for (int i = 0; i < 20; ++i)
      logs.push_back(writer->open_log("c", {"ns", "p" + std::to_string(i), "app", "id", 0}));
    for (int round = 0; round < 3; ++round)
      for (auto& log : logs) log->append("r" + std::to_string(round) + "\n");
    // 4 cached log files and the cluster's object segment.
    CHECK(open_fd_count() <= before + 5);
    logs.clear();
    for (int i = 0; i < 20; ++i) {
      const auto path = kmg::record::paths::log_file(tmp.path(), "c", "ns", "p" + std::to_string(i),
                                                     "app", "0000-id");
      CHECK(kmg::testing::read_file(path.string()) == "r0\nr1\nr2\n");
    }
  }

  TEST_CASE("concurrent writers never interleave lines") {
    kmg::testing::TempDir tmp;
    WriterOptions options;
    options.segment_bytes = 8192;
    auto writer = kmg::record::make_recording_writer(tmp.path(), options);
    constexpr int kThreads = 8, kPerThread = 300;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          auto change = pod_change("MODIFIED", t * 10000 + i, 50 + (i % 7) * 30);
          writer->object(t % 2 == 0 ? "even" : "odd", change);
          if (i % 50 == 0) writer->cluster_event({0, "c", "reachable", "", "", {}, ""});
        }
      });
    }
    for (auto& t : threads) t.join();
    std::map<int, std::vector<int>> seen;  // thread -> its sequence, in file order
    for (const std::string cluster : {"even", "odd"})
      for (const auto& line : all_object_lines(tmp.path(), cluster)) {
        const int n = std::stoi(line["object"]["metadata"]["name"].get<std::string>().substr(1));
        seen[n / 10000].push_back(n % 10000);
      }
    REQUIRE(seen.size() == kThreads);
    for (const auto& [t, sequence] : seen) {
      CHECK(sequence.size() == kPerThread);
      CHECK(std::is_sorted(sequence.begin(), sequence.end()));
    }
    CHECK(read_lines(kmg::record::paths::clusters_jsonl(tmp.path())).complete.size() ==
          kThreads * kPerThread / 50);
    CHECK(writer->stats().object_lines == kThreads * kPerThread);
  }

  TEST_CASE("a writer killed with SIGKILL leaves complete lines and at most one partial one") {
    kmg::testing::TempDir tmp;
    const fs::path dir = tmp.path();
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Large lines (64 KiB) make a kill mid-write(2) likely; nothing stops the loop but the kill.
      auto writer = kmg::record::make_recording_writer(dir);
      for (int i = 0;; ++i) writer->object("c", pod_change("MODIFIED", i, 64 << 10));
    }
    const fs::path segment = kmg::record::paths::object_segment(dir, "c", 1);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto size = [&] {
      std::error_code ec;
      const auto n = fs::file_size(segment, ec);
      return ec ? 0 : n;
    };
    while (size() < (4u << 20) && std::chrono::steady_clock::now() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const Lines lines = read_lines(segment);  // throws if a complete line does not parse
    CHECK(lines.complete.size() >= 4 * 16 - 1);
    for (std::size_t i = 0; i < lines.complete.size(); ++i)
      CHECK(lines.complete[i]["object"]["metadata"]["name"] == "p" + std::to_string(i));
    // A partial last line, if any, is a prefix of the next line.
    if (!lines.partial.empty()) CHECK(lines.partial.rfind("{\"at\":", 0) == 0);
  }

  TEST_CASE("write_json_file replaces the file whole and leaves no temporary behind") {
    kmg::testing::TempDir tmp;
    const fs::path path = fs::path(tmp.path()) / "sub" / "recording.json";
    kmg::record::write_json_file(path, {{"format", 1}});
    kmg::record::write_json_file(path, {{"format", 2}});
    CHECK(nlohmann::json::parse(kmg::testing::read_file(path.string()))["format"] == 2);
    CHECK(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator{}) == 1);
  }
}
