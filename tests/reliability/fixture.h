// Shared steps of the reliability tests: run a gather against fake apiservers, open what it wrote,
// and check that every failure the manifest records is also named in REPORT.md.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "temp_dir.h"
#include "tool_runner.h"

namespace kmg::reliability {

// Context name of the seed scenario served by a fake started with cluster_name "gateway-e2e".
inline constexpr const char* kSeedCluster = "kind-gateway-e2e";

struct Gathered {
  RunResult run;
  std::string bundle;  // the output path asked for
  bool bundle_exists = false;
  std::map<std::string, std::string> files;  // relative path -> content
  nlohmann::json manifest;                   // null when missing
  std::string report;                        // REPORT.md
};

// `kind-must-gather --no-kind <args> --output <dir>/<name>` with an empty HOME.
Gathered gather(const kmg::testing::TempDir& dir, const std::vector<std::string>& args,
                std::chrono::seconds kill_after = std::chrono::seconds(120),
                const std::string& name = "out.tar.gz");

std::string seed_scenario();  // tests/scenarios/seed.json
// "ns/name" of every Pod in a scenario file.
std::vector<std::string> scenario_pods(const std::string& scenario_path);

struct Failure {
  std::string cluster;
  std::string collector;
  std::string path;
  long status = 0;
  std::string message;
};
std::vector<Failure> failures(const nlohmann::json& manifest);

// A kubeconfig text with the server replaced and every name `from` renamed `to`.
std::string rewrite_kubeconfig(const std::string& text, const std::string& server,
                               const std::string& from, const std::string& to);
// The value of the first "<key>: value" line of a kubeconfig.
std::string kubeconfig_field(const std::string& text, const std::string& key);
// Replaces the value of every "<key>: value" line.
std::string replace_kubeconfig_field(const std::string& text, const std::string& key,
                                     const std::string& value);

// A loopback port nothing listens on (bound, read, closed).
int closed_port();

std::string pod_dir(const std::string& cluster, const std::string& ns_pod);

}  // namespace kmg::reliability

namespace kmg::reliability {

// REPORT.md is valid UTF-8 and every pipe table outside code fences renders under
// `cmark-gfm --extension table` as one <table> with all its rows, each row with as many cells as
// its header.
void check_markdown_tables(const std::string& md, const kmg::testing::TempDir& dir);

}  // namespace kmg::reliability
