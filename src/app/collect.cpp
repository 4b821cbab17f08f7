// `kind-must-gather collect`: discover, gather every cluster concurrently, write the manifest and
// the report, and finalize the bundle — always leaving a bundle unless nothing could be written.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "app/cli.h"
#include "app/options.h"
#include "app/progress.h"
#include "app/signals.h"
#include "app/targets.h"
#include "app/version.h"
#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "collectors/attachments.h"
#include "gather/gather.h"
#include "kube/kube_api.h"
#include "report/report.h"
#include "util/deadline.h"
#include "util/errors.h"
#include "util/redact.h"
#include "util/text.h"
#include "util/timestamps.h"

namespace kmg::app {
namespace {

std::vector<bundle::NodeRecord> node_records(const discovery::ClusterTarget& target) {
  std::vector<bundle::NodeRecord> nodes;
  for (const auto& n : target.nodes) nodes.push_back({n.name, n.role, n.state, n.image});
  return nodes;
}

void gather_one(const discovery::ClusterTarget& target, const CollectOptions& options,
                bundle::BundleWriter& writer, bundle::Manifest& manifest, const Redactor& redactor,
                const Deadline& deadline) {
  const std::string& name = target.name;
  manifest.update_cluster(name, [&](bundle::ClusterRecord& r) {
    r.provider = target.provider;
    r.kubeconfig_source = target.kubeconfig_source;
    r.api_endpoint = target.rest ? target.rest->server : "";
    r.nodes = node_records(target);
    r.problems = target.problems;
  });
  const std::string origin =
      target.kubeconfig_source.empty() ? "" : " (kubeconfig " + target.kubeconfig_source + ")";
  for (const auto& problem : target.problems) spdlog::error("{}{}: {}", name, origin, problem);
  auto api = connect(target, options.selection, &deadline);
  const auto result = gather::gather_cluster(target, api.get(), writer, manifest, redactor,
                                             deadline, options.gather, options.concurrency);
  manifest.update_cluster(name, [&](bundle::ClusterRecord& r) {
    r.reachable = result.reachable;
    r.server_version = result.server_version;
    if (!result.reachable) r.unreachable_reason = result.unreachable_reason;
  });
  if (!result.reachable) {
    if (target.problems.empty())
      spdlog::error("{}{}: not gathered: {}", name, origin, result.unreachable_reason);
  }
}

std::set<std::string> reached_clusters(const bundle::Manifest& manifest) {
  std::set<std::string> reached;
  for (const auto& [name, record] : manifest.record().clusters)
    if (record.reachable.value_or(false)) reached.insert(name);
  return reached;
}

// A cluster that was asked for and not gathered makes the gather incomplete.
bool any_cluster_lost(const FoundTargets& found, const bundle::Manifest& manifest) {
  if (!found.errors.empty()) return true;
  const auto clusters = manifest.record().clusters;
  for (const auto& target : found.targets) {
    if (!target.problems.empty()) return true;
    const auto it = clusters.find(target.name);
    if (it != clusters.end() && !it->second.reachable.value_or(false)) return true;
  }
  return false;
}

// GitHub Actions: the summary goes to the job's page, annotations to the log (GitHub reads them
// from stdout).
void publish_to_github(const report::ReportOutput& out) {
  if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary != nullptr && *summary) {
    std::ofstream file(summary, std::ios::app);
    file << out.github_summary << "\n";
    if (!file) spdlog::warn("cannot append to GITHUB_STEP_SUMMARY {}", summary);
  }
  for (const auto& line : out.annotations) std::cout << line << "\n";
}

// REPORT.md and report.json are rendered from the staged bundle itself, exactly as
// `report BUNDLE` will render them from the finished one.
std::size_t write_report(const CollectOptions& options, bundle::BundleWriter& writer) {
  report::ReportSettings settings;
  settings.template_dir = options.template_dir;
  const auto out = report::build_report(writer.staging_dir(), settings);
  writer.write_file(std::string(bundle::layout::kReport), out.markdown);
  writer.write_file(std::string(bundle::layout::kReportJson), out.json);
  if (options.github) publish_to_github(out);
  std::cerr << "verdict: " << out.verdict << "\n";
  return out.finding_count;
}

}  // namespace

int run_collect(const CollectOptions& options, const CollectHooks& hooks) {
  // glibc gives each thread that allocates its own arena (up to 8 per core); the gather's
  // short-lived workers then leave freed pages spread over many arenas, and peak RSS grows with
  // the thread count (measured on the medium benchmark: 8 arenas 155-201 MB, 2 arenas 148-159 MB,
  // heap peak 103 MB). The work is I/O-bound, so two arenas cost no measurable time.
  mallopt(M_ARENA_MAX, 2);
  const EpochNanos started = now_nanos();
  Deadline deadline(std::chrono::seconds(options.timeout_seconds));
  SignalGuard signals(deadline);
  Redactor redactor(options.redact);
  bundle::Manifest manifest;
  manifest.update([&](bundle::ManifestRecord& r) {
    r.tool = bundle::ToolRecord{"kind-must-gather", version(), commit()};
    r.command_line = redactor.redact(options.command_line);
    r.started_at = format_rfc3339(started);
  });

  std::unique_ptr<bundle::BundleWriter> writer;
  try {
    writer = std::make_unique<bundle::BundleWriter>(
        bundle::plan_output(options.output, format_compact_utc(started)), options.max_size);
  } catch (const Error& e) {
    spdlog::error("cannot write a bundle: {}", e.what());
    return kExitNothing;
  }

  FoundTargets found = find_targets(options.selection);
  for (const auto& error : found.errors) spdlog::error("{}", error);
  std::vector<std::string> notes = found.errors;  // REPORT.md shows them with the notes
  notes.insert(notes.end(), found.notes.begin(), found.notes.end());
  manifest.update([&](bundle::ManifestRecord& r) {
    r.engines = found.engines.get<std::vector<bundle::EngineRecord>>();
    r.discovery_notes = notes;
  });
  if (found.targets.empty())
    spdlog::warn("no Kind clusters found (engines asked: {})", found.engines.dump());

  collectors::GatherOptions gather_options = options.gather;
  gather_options.started_at_ns = started;
  CollectOptions effective = options;
  effective.gather = gather_options;
  {
    Progress progress(manifest, *writer, isatty(STDERR_FILENO) != 0);
    std::vector<std::thread> clusters;
    for (const auto& target : found.targets) {
      spdlog::info("gathering cluster {} ({})", target.name, target.provider);
      clusters.emplace_back([&, &target = target] {
        gather_one(target, effective, *writer, manifest, redactor, deadline);
      });
    }
    for (auto& t : clusters) t.join();
    collectors::collect_attachments(*writer, manifest, options.gather.attachments);
  }
  if (hooks.before_report) hooks.before_report(*writer, manifest, reached_clusters(manifest));

  const bool interrupted = signals.interrupted();
  const bool timed_out = !interrupted && deadline.expired();
  manifest.update([&](bundle::ManifestRecord& r) {
    r.finished_at = format_rfc3339(now_nanos());
    r.partial = interrupted || timed_out;
    r.interrupted = interrupted;
    r.timed_out = timed_out;
    r.size_budget = bundle::SizeBudgetRecord{writer->max_bytes(), writer->budget_exhausted()};
    r.write_failed = writer->write_failed();
    r.redaction = bundle::RedactionRecord{redactor.enabled(), redactor.masked_count()};
  });
  writer->write_file(std::string(bundle::layout::kManifest), manifest.to_json().dump(1));

  // The gather's lists are freed by now; hand their pages back before the report reads the
  // bundle, so peak memory is the larger of the two phases, not their sum.
  malloc_trim(0);
  std::size_t findings = 0;
  try {
    findings = write_report(effective, *writer);
  } catch (const std::exception& e) {
    // The bundle is worth more than its report: keep it and say why the report is missing.
    spdlog::error("report failed: {}", e.what());
    writer->write_file(
        std::string(bundle::layout::kReport),
        std::string("# kind-must-gather report\n\nThe report could not be written: ") + e.what() +
            "\n");
  }

  std::string path;
  try {
    path = writer->finalize();
  } catch (const Error& e) {
    spdlog::error("cannot finalize the bundle: {}", e.what());
    writer->abandon();
    return kExitNothing;
  }
  // An archive's size on disk, or what a folder output holds.
  std::error_code ec;
  const auto size = std::filesystem::is_regular_file(path, ec)
                        ? std::filesystem::file_size(path, ec)
                        : writer->bytes_written();
  std::cout << "bundle: " << path << " (" << human_bytes(size) << ", " << findings << " findings"
            << (interrupted ? ", partial: interrupted"
                : timed_out ? ", partial: time limit"
                            : "")
            << ")\n";
  if (interrupted) return options.exit_zero ? kExitComplete : kExitInterrupted;
  const bool incomplete = timed_out || manifest.failure_count() > 0 || writer->budget_exhausted() ||
                          writer->write_failed() || any_cluster_lost(found, manifest);
  if (incomplete && !options.exit_zero) return kExitIncomplete;
  return kExitComplete;
}

}  // namespace kmg::app
