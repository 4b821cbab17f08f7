// Turns a recording into bundle entries, beside a gather of the clusters still alive:
//   recorded/...                 the recording itself (lifecycle, every version of every object,
//                                every container instance's log), see bundle/layout.h
//   clusters/<c>/...             for a cluster the gather could not reach (deleted or stopped
//                                during the run): its last recorded state, written with the same
//                                layout a gather uses, so the report reads it like any other
// and records in the manifest what came from the recording (cluster deleted at, last seen).
#pragma once

#include <filesystem>
#include <set>
#include <string>

namespace kmg {
class Redactor;
}
namespace kmg::bundle {
class BundleWriter;
class Manifest;
}  // namespace kmg::bundle

namespace kmg::record {

struct MergeResult {
  std::size_t clusters = 0;           // clusters the recording saw
  std::size_t reconstructed = 0;      // of them, written from the recording (not gathered)
  std::uint64_t object_versions = 0;  // lines read
  std::uint64_t log_instances = 0;
  std::uint64_t partial_lines = 0;  // incomplete last lines skipped (a recorder killed mid-write)
};

// `gathered`: clusters the gather reached. Never throws for a damaged recording: what cannot be
// read is recorded in the manifest and the rest goes on.
MergeResult merge_recording(const std::filesystem::path& recording_dir,
                            const std::set<std::string>& gathered, bundle::BundleWriter& writer,
                            bundle::Manifest& manifest, const Redactor& redactor);

}  // namespace kmg::record
