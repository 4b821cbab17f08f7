// Options of every command, filled by the CLI and read by the commands.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "collectors/collector.h"

namespace kmg::bundle {
class BundleWriter;
class Manifest;
}  // namespace kmg::bundle

namespace kmg::app {

// Which clusters to look at; shared by `collect` and `clusters`.
struct SelectionOptions {
  std::string provider = "auto";         // auto|docker|podman|nerdctl
  std::vector<std::string> clusters;     // --cluster: restrict Kind clusters to these
  std::vector<std::string> kubeconfigs;  // --kubeconfig: add clusters from these files
  std::vector<std::string> contexts;     // --context: add these contexts
  bool no_kind = false;                  // --no-kind: skip engine discovery
  int request_timeout_seconds = 30;
  std::string record_requests;  // hidden: append every API path to this file
};

struct CollectOptions {
  SelectionOptions selection;
  std::string output;  // --output; empty: default name
  int concurrency = 8;
  int timeout_seconds = 300;
  std::uint64_t max_size = 500ull << 20;
  bool redact = true;
  bool exit_zero = false;
  bool github = false;  // --github or GITHUB_ACTIONS=true
  std::string template_dir;
  collectors::GatherOptions gather;
  std::string command_line;  // for the manifest
};

struct ClustersOptions {
  SelectionOptions selection;
  bool json = false;
};

struct ReportOptions {
  std::string bundle;
  std::string template_dir;
  std::string output_dir;  // where REPORT.md and report.json go; default: next to the bundle
  bool github = false;
};

// What `record` adds to a gather: called after every cluster is gathered and before the manifest
// and the report are written, with the names of the clusters the gather reached.
struct CollectHooks {
  std::function<void(bundle::BundleWriter&, bundle::Manifest&, const std::set<std::string>&)>
      before_report;
};

// `record`: watches clusters while tests run, then gathers them with the recording merged.
struct RecordOptions {
  CollectOptions collect;             // selection, --output and the final gather's settings
  std::string pid_file;               // --pid-file: "<pid>\n<recording folder>\n"
  std::int64_t duration_seconds = 0;  // --duration; 0: until a signal or `record --stop`
  int poll_interval_seconds = 2;      // --poll-interval: how often clusters are looked for
  int stop_timeout_seconds = 60;      // --stop-timeout: how long --stop waits for the recorder
  bool stop = false;                  // --stop: stop the recorder of --pid-file, then gather
  std::string finish_dir;             // --finish DIR: gather with a recording left behind
  bool background = false;            // --background: detach, print the pid, return
};

int run_collect(const CollectOptions& options, const CollectHooks& hooks = {});
int run_record(const RecordOptions& options);
int run_clusters(const ClustersOptions& options);
int run_report(const ReportOptions& options);

}  // namespace kmg::app
