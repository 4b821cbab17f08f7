// The end of a recording: `record --stop` (hand-over from the recorder), `record --finish DIR`
// (a recording whose recorder was killed) and the recorder's own stop all end in
// finish_recording(): a normal gather with the recording merged before the report.
#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include <signal.h>
#include <spdlog/spdlog.h>

#include "app/cli.h"
#include "app/record_cmd.h"
#include "record/finish.h"
#include "record/recording.h"
#include "util/redact.h"

namespace kmg::app {
namespace {

namespace fs = std::filesystem;

nlohmann::json read_json_or_null(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

struct PidFile {
  pid_t pid = 0;
  fs::path dir;
};

// "<pid>\n<recording folder>\n", as the recorder writes it.
std::optional<PidFile> read_pid_file(const std::string& path) {
  std::ifstream in(path);
  PidFile out;
  std::string dir;
  if (!(in >> out.pid) || out.pid <= 0) return std::nullopt;
  in >> std::ws;
  if (!std::getline(in, dir) || dir.empty()) return std::nullopt;
  out.dir = dir;
  return out;
}

// Alive and not a zombie: a recorder started with `&` stays a zombie until its shell reaps it.
bool running(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto paren = text.rfind(')');
  return paren == std::string::npos || text.size() < paren + 3 || text[paren + 2] != 'Z';
}

// Guards against a stale pid file whose pid now belongs to another program.
bool is_recorder(pid_t pid, const nlohmann::json& recording) {
  if (!recording.is_object() || recording.value("pid", 0) != pid) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  const std::string cmdline((std::istreambuf_iterator<char>(in)), {});
  return cmdline.find("record") != std::string::npos;
}

bool wait_gone(pid_t pid, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (running(pid)) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

// SIGUSR2 asks the recorder to stop recording, write stopped.json and exit without gathering.
void hand_over(pid_t pid, std::chrono::seconds limit) {
  spdlog::info("stopping recorder pid {}", pid);
  ::kill(pid, SIGUSR2);
  if (wait_gone(pid, limit)) return;
  spdlog::warn("recorder pid {} still running after {}s: killing it", pid, limit.count());
  ::kill(pid, SIGKILL);
  wait_gone(pid, std::chrono::seconds(5));
}

}  // namespace

nlohmann::json selection_to_json(const SelectionOptions& s) {
  return {{"provider", s.provider},       {"clusters", s.clusters},
          {"kubeconfigs", s.kubeconfigs}, {"contexts", s.contexts},
          {"no_kind", s.no_kind},         {"request_timeout_seconds", s.request_timeout_seconds}};
}

SelectionOptions choose_selection(const SelectionOptions& given, const nlohmann::json& recorded) {
  const bool names_any = given.no_kind || !given.clusters.empty() || !given.kubeconfigs.empty() ||
                         !given.contexts.empty() || given.provider != "auto";
  if (names_any || !recorded.is_object()) return given;
  SelectionOptions s = given;
  s.provider = recorded.value("provider", s.provider);
  s.clusters = recorded.value("clusters", s.clusters);
  s.kubeconfigs = recorded.value("kubeconfigs", s.kubeconfigs);
  s.contexts = recorded.value("contexts", s.contexts);
  s.no_kind = recorded.value("no_kind", s.no_kind);
  return s;
}

int finish_recording(const fs::path& dir, CollectOptions collect) {
  const nlohmann::json recording = read_json_or_null(record::paths::recording_json(dir));
  if (!recording.is_object()) {
    spdlog::error("{}: no readable recording.json: not a recording", dir.string());
    return kExitNothing;
  }
  if (collect.output.empty()) collect.output = recording.value("output", "");
  if (!fs::exists(dir / "stopped.json"))
    spdlog::warn(
        "{}: no stopped.json: the recorder did not stop normally (killed?); the "
        "recording ends at its last complete line",
        dir.string());
  if (fs::exists(dir / "recorder.log")) collect.gather.attachments.push_back(dir / "recorder.log");
  collect.exit_zero = true;  // a recorder never fails the job by itself (README "record")

  const Redactor redactor(collect.redact);
  CollectHooks hooks;
  hooks.before_report = [&](bundle::BundleWriter& writer, bundle::Manifest& manifest,
                            const std::set<std::string>& gathered) {
    try {
      const auto merged = record::merge_recording(dir, gathered, writer, manifest, redactor);
      spdlog::info(
          "recording merged: {} clusters ({} no longer reachable), {} object versions, "
          "{} log instances",
          merged.clusters, merged.reconstructed, merged.object_versions, merged.log_instances);
    } catch (const std::exception& e) {
      spdlog::error("merging recording {}: {}", dir.string(), e.what());
    }
  };
  const int code = run_collect(collect, hooks);
  if (code != kExitNothing && fs::exists(collect.output)) {
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (ec) spdlog::warn("cannot remove {}: {}", dir.string(), ec.message());
  } else {
    spdlog::error("no bundle written: recording kept in {} (retry with record --finish {})",
                  dir.string(), dir.string());
  }
  return code;
}

int stop_recorder(const RecordOptions& options) {
  const auto pid_file = read_pid_file(options.pid_file);
  if (!pid_file) {
    spdlog::error("cannot read pid file {}: was the recorder started?", options.pid_file);
    return kExitNothing;
  }
  const nlohmann::json recording = read_json_or_null(record::paths::recording_json(pid_file->dir));
  if (running(pid_file->pid) && is_recorder(pid_file->pid, recording))
    hand_over(pid_file->pid, std::chrono::seconds(options.stop_timeout_seconds));
  else
    spdlog::warn("recorder pid {} is not running: finishing what it left in {}", pid_file->pid,
                 pid_file->dir.string());
  std::error_code ec;
  fs::remove(options.pid_file, ec);
  CollectOptions collect = options.collect;
  collect.selection = choose_selection(
      collect.selection,
      recording.is_object() ? recording.value("selection", nlohmann::json()) : nlohmann::json());
  return finish_recording(pid_file->dir, collect);
}

}  // namespace kmg::app
