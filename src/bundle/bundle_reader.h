// Reading a written bundle back (a .tar.gz/.tar.zst or a folder) for `report BUNDLE`, and the
// staging folder during a gather. Entries are visited once, in order, streamed: logs are never
// held whole in memory.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace kmg::bundle {

// Receives one entry: its path relative to the top folder, and a pull function that hands out the
// content chunk by chunk (returns false at the end). The visitor may stop reading early.
using ChunkPull = std::function<bool(std::string_view& chunk)>;
using EntryVisitor = std::function<void(const std::string& relpath, const ChunkPull& pull)>;

// Visits every regular file in the bundle. For a folder, in sorted path order; for an archive, in
// archive order (which finalize() writes sorted). Throws kmg::Error naming the bundle on failure.
void visit_bundle(const std::string& bundle_path, const EntryVisitor& visitor);

// Reads a whole (small) entry into a string; convenience for a visitor.
std::string read_all(const ChunkPull& pull);

}  // namespace kmg::bundle
