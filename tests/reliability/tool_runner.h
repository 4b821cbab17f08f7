// Runs the real kind-must-gather binary as a subprocess for the reliability tests, and reads back
// what it wrote (raw tar entry names and every file's content).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace kmg::reliability {

struct RunResult {
  int exit_code = -1;  // -1 when it was killed (timeout or signal)
  bool timed_out = false;
  std::string out;  // stdout
  std::string err;  // stderr
  std::chrono::milliseconds elapsed{0};
};

// Runs `args[0]` (a path) with `args`, stdout/stderr captured to files, and kills it with SIGKILL
// after `timeout`. `env_overrides` are set in the child ("KEY=value"); HOME is pointed at an empty
// folder by the caller when discovery must not find a real ~/.kube/config.
RunResult run_process(const std::vector<std::string>& args, std::chrono::seconds timeout,
                      const std::vector<std::string>& env_overrides = {});

// The kind-must-gather binary compiled into the test (-DKMG_EXE_PATH) or $KMG_EXE.
std::string kmg_exe();
// The tool with `args`, HOME set to `home` (an empty folder) and KUBECONFIG unset.
RunResult run_kmg(const std::vector<std::string>& args, const std::string& home,
                  std::chrono::seconds timeout = std::chrono::seconds(120));

// Raw entry names of a .tar.gz/.tar.zst as libarchive reads them (not normalised).
std::vector<std::string> tar_entry_names(const std::string& archive);
// Every regular file of a bundle, by path relative to its top folder (through visit_bundle).
std::map<std::string, std::string> read_bundle(const std::string& bundle);

// "a line\nanother" contains `needle` anywhere?
bool contains(const std::string& haystack, const std::string& needle);
// The first line of `text` that contains `needle`, or "".
std::string line_with(const std::string& text, const std::string& needle);

}  // namespace kmg::reliability
