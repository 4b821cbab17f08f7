// A cluster context over an in-memory API and a real bundle writer in a temp folder, so collector
// tests assert on the files a gather really writes.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "bundle/manifest.h"
#include "collectors/collector.h"
#include "discovery/cluster_target.h"
#include "memory_kube_api.h"
#include "temp_dir.h"
#include "util/deadline.h"
#include "util/redact.h"
#include "util/work_pool.h"

namespace kmg::testing {

struct CollectorFixture {
  explicit CollectorFixture(std::uint64_t max_bytes = 1ull << 30)
      : writer(bundle::OutputSpec{tmp.path() + "/out", bundle::Format::kDirectory, "bundle"},
               max_bytes) {
    target.name = "test-cluster";
    target.provider = "podman";
    options.started_at_ns = 1770200100LL * 1'000'000'000;  // 2026-02-04T10:15:00Z
  }

  collectors::ClusterContext context() {
    return collectors::ClusterContext{target,   &api, writer,  manifest, redactor,
                                      deadline, pool, options, snapshot};
  }

  // A file the collectors wrote, relative to the bundle's top folder.
  std::string file(const std::string& relpath) const {
    return read_file(writer.staging_dir() + "/" + relpath);
  }
  bool exists(const std::string& relpath) const {
    return std::filesystem::exists(writer.staging_dir() + "/" + relpath);
  }

  TempDir tmp;
  MemoryKubeApi api;
  bundle::BundleWriter writer;
  bundle::Manifest manifest;
  Redactor redactor{true};
  Deadline deadline{std::chrono::minutes(1)};
  WorkPool pool{4};
  collectors::GatherOptions options;
  collectors::ClusterSnapshot snapshot;
  discovery::ClusterTarget target;
};

}  // namespace kmg::testing
