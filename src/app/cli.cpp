#include "app/cli.h"

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/options.h"
#include "app/version.h"
#include "util/log.h"

namespace kmg::app {
namespace {

void add_selection_flags(CLI::App& cmd, SelectionOptions& sel) {
  cmd.add_option("--provider", sel.provider, "Container engine to ask for Kind clusters")
      ->check(CLI::IsMember({"auto", "docker", "podman", "nerdctl"}))
      ->capture_default_str();
  cmd.add_option("--cluster", sel.clusters, "Only these Kind clusters (repeatable)");
  cmd.add_option("--kubeconfig", sel.kubeconfigs,
                 "Also gather the clusters of this kubeconfig's current context (repeatable)");
  cmd.add_option("--context", sel.contexts,
                 "Also gather this kubeconfig context, Kind or not (repeatable)");
  cmd.add_flag("--no-kind", sel.no_kind, "Do not ask container engines for Kind clusters");
  cmd.add_option("--request-timeout", sel.request_timeout_seconds,
                 "Seconds one API request may take")
      ->capture_default_str();
  // For the benchmark's floor: the exact requests a gather made.
  cmd.add_option("--record-requests", sel.record_requests)->group("");
}

// Durations like "90s", "5m", "2h" or plain seconds.
std::int64_t parse_duration_seconds(const std::string& text) {
  if (text.empty()) throw CLI::ValidationError("duration", "empty");
  std::size_t used = 0;
  const long long value = std::stoll(text, &used);
  const std::string unit = text.substr(used);
  if (value < 0) throw CLI::ValidationError("duration", "negative: " + text);
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  throw CLI::ValidationError("duration", "unknown unit in " + text + " (use s, m, h or d)");
}

std::uint64_t parse_size(const std::string& text) {
  std::size_t used = 0;
  const unsigned long long value = std::stoull(text, &used);
  std::string unit = text.substr(used);
  if (unit.empty() || unit == "B") return value;
  if (unit == "KiB" || unit == "K" || unit == "k") return value << 10;
  if (unit == "MiB" || unit == "M") return value << 20;
  if (unit == "GiB" || unit == "G") return value << 30;
  throw CLI::ValidationError("size", "unknown unit in " + text + " (use B, KiB, MiB or GiB)");
}

std::string join_args(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) out += ' ';
    out += argv[i];
  }
  return out;
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{
      "kind-must-gather: discover every Kind cluster, gather what explains a failure into one "
      "bundle, and write REPORT.md",
      "kind-must-gather"};
  app.require_subcommand(0, 1);

  bool verbose = false, quiet = false;
  std::string log_format = "text";
  app.add_flag("-v,--verbose", verbose, "Debug logs on stderr");
  app.add_flag("-q,--quiet", quiet, "Only errors on stderr");
  app.add_option("--log-format", log_format, "Log format on stderr")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  // collect (the default command): its flags are accepted at the top level too.
  CollectOptions collect;
  std::string since = "0", lookback, timeout = "5m", max_size = "500MiB", log_limit = "10MiB";
  auto add_collect_flags = [&](CLI::App& cmd) {
    add_selection_flags(cmd, collect.selection);
    cmd.add_option("-o,--output", collect.output,
                   "Bundle path: .tar.gz (default must-gather-<UTC time>.tar.gz), .tar.zst, or a "
                   "folder");
    cmd.add_option("--concurrency", collect.concurrency, "Requests in flight per cluster")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd.add_option("--timeout", timeout, "Overall time limit; then finish with what we have")
        ->capture_default_str();
    cmd.add_option("--max-size", max_size, "Size budget for the whole bundle")
        ->capture_default_str();
    cmd.add_option("--log-limit-bytes", log_limit, "Bytes kept per container log (its tail)")
        ->capture_default_str();
    cmd.add_option("--since", since, "Only logs newer than this (e.g. 30m); 0 for all")
        ->capture_default_str();
    cmd.add_option("--attach", collect.gather.attachments,
                   "Copy this file or folder into attachments/ (repeatable)");
    cmd.add_option("--jaeger-url", collect.gather.jaeger_url,
                   "A Jaeger query endpoint outside the cluster");
    cmd.add_option("--trace-lookback", lookback,
                   "How far back to read traces (e.g. 2h); default: since the cluster was "
                   "created (its oldest Node), or 1h when unknown");
    cmd.add_option("--trace-limit", collect.gather.trace_limit, "Traces per service")
        ->capture_default_str();
    cmd.add_flag("!--no-redact", collect.redact, "Do not mask secrets (never Secret values)");
    cmd.add_flag("--exit-zero", collect.exit_zero,
                 "Exit 0 whenever a bundle was written (for post-failure CI steps)");
    cmd.add_flag("--github", collect.github,
                 "Write a GitHub step summary and annotations (default when GITHUB_ACTIONS=true)");
    cmd.add_option("--template", collect.template_dir, "Folder with REPORT.md templates");
  };
  add_collect_flags(app);
  auto* collect_cmd = app.add_subcommand("collect", "Gather every cluster into a bundle (default)");
  add_collect_flags(*collect_cmd);

  ClustersOptions clusters;
  auto* clusters_cmd = app.add_subcommand("clusters", "List Kind clusters and whether they answer");
  add_selection_flags(*clusters_cmd, clusters.selection);
  std::string clusters_output = "table";
  clusters_cmd->add_option("--output", clusters_output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();

  ReportOptions report;
  auto* report_cmd = app.add_subcommand("report", "Write REPORT.md and report.json from a bundle");
  report_cmd->add_option("BUNDLE", report.bundle, "A bundle (.tar.gz, .tar.zst or folder)")
      ->required();
  report_cmd->add_option("--template", report.template_dir, "Folder with REPORT.md templates");
  report_cmd->add_option("--output-dir", report.output_dir,
                         "Where to write REPORT.md and report.json (default: beside the bundle)");
  report_cmd->add_flag("--github", report.github, "Write a GitHub step summary and annotations");

  // record: the collect flags apply to the gather it takes when it stops.
  RecordOptions record;
  std::string duration = "0";
  auto* record_cmd = app.add_subcommand(
      "record",
      "Record clusters while tests run (objects, events, every container's logs), then gather "
      "them with the recording merged");
  add_collect_flags(*record_cmd);
  record_cmd->add_option("--duration", duration, "Stop after this long (e.g. 90m); 0: when told")
      ->capture_default_str();
  auto* pid_file = record_cmd->add_option(
      "--pid-file", record.pid_file, "Write the recorder's pid and folder here (read by --stop)");
  record_cmd
      ->add_option("--poll-interval", record.poll_interval_seconds,
                   "Seconds between looks for clusters that appeared or disappeared")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  record_cmd
      ->add_option("--stop-timeout", record.stop_timeout_seconds,
                   "Seconds --stop waits for the recorder before killing it")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  auto* stop = record_cmd->add_flag(
      "--stop", record.stop, "Stop the recorder of --pid-file and write the bundle from here");
  stop->needs(pid_file);
  auto* finish = record_cmd->add_option(
      "--finish", record.finish_dir,
      "Write the bundle from a recording folder left by a recorder that was killed");
  auto* background = record_cmd->add_flag("--background", record.background,
                                          "Detach, print the pid and recording folder, return");
  stop->excludes(finish)->excludes(background);
  finish->excludes(background);

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
    collect.gather.since_seconds = parse_duration_seconds(since);
    // Unset: 0, the collector then reads traces since the cluster's creation.
    collect.gather.trace_lookback_seconds = lookback.empty() ? 0 : parse_duration_seconds(lookback);
    collect.timeout_seconds = static_cast<int>(parse_duration_seconds(timeout));
    collect.max_size = parse_size(max_size);
    collect.gather.log_limit_bytes = parse_size(log_limit);
    record.duration_seconds = parse_duration_seconds(duration);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitComplete : kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "kind-must-gather: " << e.what() << "\n";
    return kExitUsage;
  }

  setup_logging(quiet     ? Verbosity::kQuiet
                : verbose ? Verbosity::kVerbose
                          : Verbosity::kNormal,
                log_format == "json" ? LogFormat::kJson : LogFormat::kText);

  if (*version_cmd) {
    std::cout << "kind-must-gather " << version() << "\ncommit " << commit() << "\n";
    return kExitComplete;
  }
  const char* gha = std::getenv("GITHUB_ACTIONS");
  const bool in_github = gha != nullptr && std::string(gha) == "true";
  if (*clusters_cmd) {
    clusters.json = clusters_output == "json";
    return run_clusters(clusters);
  }
  if (*report_cmd) {
    report.github = report.github || in_github;
    return run_report(report);
  }
  collect.github = collect.github || in_github;
  collect.command_line = join_args(argc, argv);
  if (*record_cmd) {
    record.collect = collect;
    return run_record(record);
  }
  return run_collect(collect);
}

}  // namespace kmg::app
