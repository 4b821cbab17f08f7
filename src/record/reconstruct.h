// Writes a cluster's last recorded state under clusters/<c>/ with the gather's own collectors and
// writers (collectors/cluster.cpp, pods.cpp, common.cpp), so a cluster deleted during the run
// reads in the report exactly like a gathered one.
#pragma once

#include <string>

#include "record/last_state.h"
#include "util/timestamps.h"

namespace kmg {
class Redactor;
}
namespace kmg::bundle {
class BundleWriter;
class Manifest;
}  // namespace kmg::bundle

namespace kmg::record {

// The manifest's collector name for what the merge writes.
inline constexpr const char* kRecordingCollector = "recording";

// `now`: the cluster's last recorded moment, the "now" of ages in describe text.
void write_last_state(const std::string& cluster, const LastState& state, EpochNanos now,
                      bundle::BundleWriter& writer, bundle::Manifest& manifest,
                      const Redactor& redactor);

}  // namespace kmg::record
