#include "script.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cluster_ops.h"
#include "util/errors.h"

namespace kmg::fakeapi {
namespace {

// Fields each op needs (strings unless said otherwise in the README).
const std::map<std::string, std::vector<std::string>>& required_fields() {
  static const std::map<std::string, std::vector<std::string>> fields = {
      {"apply", {"object"}},
      {"patch", {"apiVersion", "kind", "name", "merge"}},
      {"delete", {"apiVersion", "kind", "name"}},
      {"delete-namespace", {"name"}},
      {"log", {"namespace", "pod", "container", "lines"}},
      {"restart", {"namespace", "pod", "container"}},
      {"outage", {"seconds"}},
      {"exit", {}},
  };
  return fields;
}

void write_done_file(const std::string& path) {
  if (path.empty()) return;
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    std::ofstream(path) << "done\n";  // a fifo or device: never replace it
    return;
  }
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << "done\n";
  std::filesystem::rename(tmp, path);
}

// Sleeps in short slices so a stop is noticed at once; false when stopped.
bool wait_ms(double ms, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::microseconds(static_cast<std::int64_t>(ms * 1000));
  while (!stop) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(20)));
  }
  return false;
}

std::string str(const json& step, const char* key, const std::string& fallback = "") {
  return step.contains(key) && step[key].is_string() ? step[key].get<std::string>() : fallback;
}

RestartSpec restart_spec(const json& step) {
  RestartSpec r;
  r.ns = str(step, "namespace");
  r.pod = str(step, "pod");
  r.container = str(step, "container");
  r.exit_code = step.value("exit_code", 1);
  r.reason = str(step, "reason", "Error");
  r.message = str(step, "message");
  r.state = str(step, "state", "running");
  if (r.state == "waiting") r.state = "CrashLoopBackOff";
  r.killing = str(step, "killing");
  return r;
}

void run_step(const ScriptStep& step, Store& store, const ScriptHooks& hooks) {
  const json& s = step.args;
  if (step.op == "apply") {
    store.apply(s["object"]);
  } else if (step.op == "patch") {
    patch_object(store, str(s, "apiVersion"), str(s, "kind"), str(s, "namespace"), str(s, "name"),
                 s["merge"]);
  } else if (step.op == "delete") {
    if (!delete_object(store, str(s, "apiVersion"), str(s, "kind"), str(s, "namespace"),
                       str(s, "name"))) {
      throw Error("delete: " + str(s, "kind") + " " + str(s, "namespace") + "/" + str(s, "name") +
                  " not found");
    }
  } else if (step.op == "delete-namespace") {
    delete_namespace(store, str(s, "name"));
  } else if (step.op == "log") {
    append_log_lines(store, str(s, "namespace"), str(s, "pod"), str(s, "container"),
                     s["lines"].get<std::vector<std::string>>());
  } else if (step.op == "restart") {
    restart_container(store, restart_spec(s));
  } else if (step.op == "outage") {
    // etcd compacted while the apiserver was away: resuming from an older rv gets 410.
    if (s.value("compact", false)) store.compact();
    if (hooks.outage) hooks.outage(s["seconds"].get<double>());
  } else if (step.op == "exit") {
    if (hooks.exit) hooks.exit();
  }
}

}  // namespace

std::vector<ScriptStep> parse_script(const json& steps, const std::string& source) {
  if (!steps.is_array()) throw Error("scenario " + source + ": \"script\" must be an array");
  std::vector<ScriptStep> out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const json& s = steps[i];
    const std::string where = "scenario " + source + ": script[" + std::to_string(i) + "]";
    if (!s.is_object() || !s.contains("op") || !s["op"].is_string()) {
      throw Error(where + ": a step is {\"after_ms\": N, \"op\": \"...\", ...}");
    }
    const std::string op = s["op"].get<std::string>();
    const auto fields = required_fields().find(op);
    if (fields == required_fields().end()) {
      throw Error(where + ": unknown op '" + op +
                  "' (apply, patch, delete, delete-namespace, log, restart, outage, exit)");
    }
    for (const auto& f : fields->second) {
      if (!s.contains(f)) throw Error(where + ": op '" + op + "' needs \"" + f + "\"");
    }
    if (op == "log" && !(s["lines"].is_array())) throw Error(where + ": lines must be an array");
    if (op == "outage" && !s["seconds"].is_number()) throw Error(where + ": seconds: a number");
    const json after = s.value("after_ms", json(0));
    if (!after.is_number() || after.get<double>() < 0) {
      throw Error(where + ": after_ms must be a number >= 0");
    }
    out.push_back({after.get<std::int64_t>(), op, s});
  }
  return out;
}

void play_script(const std::vector<ScriptStep>& steps, Store& store, const ScriptHooks& hooks,
                 const ScriptOptions& options, const std::atomic<bool>& stop) {
  const double speed = options.speed > 0 ? options.speed : 1.0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!wait_ms(static_cast<double>(steps[i].after_ms) / speed, stop)) return;
    const bool last = i + 1 == steps.size();
    // An exit ends the process: the done file must exist before it acts.
    if (last && steps[i].op == "exit") write_done_file(options.done_file);
    try {
      run_step(steps[i], store, hooks);
    } catch (const std::exception& e) {
      // A failed step is the scenario's bug; say which and go on, as a test would want to see.
      std::cerr << "fake-apiserver: script[" << i << "] (" << steps[i].op << "): " << e.what()
                << "\n";
    }
    std::cerr << "fake-apiserver: script[" << i << "] " << steps[i].op << " done\n";
  }
  if (steps.empty() || steps.back().op != "exit") write_done_file(options.done_file);
}

}  // namespace kmg::fakeapi
