// --attach: files or folders the user wants in the bundle, copied under attachments/ by base name
// (folders recursively; a name already taken gets a numeric suffix). Not tied to a cluster.
#pragma once

#include <string>
#include <vector>

namespace kmg::bundle {
class BundleWriter;
class Manifest;
}  // namespace kmg::bundle

namespace kmg::collectors {

// Manifest entries (notes, failures, counts) go under the cluster name "" (the gather itself);
// the list of copied attachments goes to the top-level field "attachments" as
// [{"source": "/abs/path", "path": "attachments/name"}].
void collect_attachments(bundle::BundleWriter& writer, bundle::Manifest& manifest,
                         const std::vector<std::string>& paths);

}  // namespace kmg::collectors
