#include "collectors/attachments.h"

#include <filesystem>
#include <set>
#include <system_error>

#include <nlohmann/json.hpp>

#include "bundle/bundle_writer.h"
#include "bundle/layout.h"
#include "bundle/manifest.h"
#include "util/errors.h"
#include "util/path.h"

namespace kmg::collectors {
namespace {

namespace fs = std::filesystem;

constexpr const char* kName = "attachments";
// Attachments belong to the gather, not to one cluster.
constexpr const char* kScope = "";

void record(bundle::Manifest& manifest, const std::string& source, const std::string& message) {
  bundle::FailedRequest failure;
  failure.cluster = kScope;
  failure.collector = kName;
  failure.method = "-";
  failure.path = source;
  failure.message = message;
  manifest.add_failure(failure);
}

// The base name of `source` ("logs" for "/tmp/logs/"), made safe as one path component.
std::string base_name(const std::string& source) {
  fs::path p = fs::path(source).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "dir/" normalizes to "dir/" with no filename
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") {
    std::error_code ec;
    name = fs::absolute(p, ec).lexically_normal().filename().string();
  }
  return safe_path_component(name.empty() ? "attachment" : name);
}

// "name", then "name-2.ext", "name-3.ext"... for names already taken.
std::string unique_name(const std::string& name, bool is_directory, std::set<std::string>& taken) {
  if (taken.insert(name).second) return name;
  const fs::path p(name);
  const std::string stem = is_directory ? name : p.stem().string();
  const std::string ext = is_directory ? "" : p.extension().string();
  for (int n = 2;; ++n) {
    std::string candidate = stem + "-" + std::to_string(n) + ext;
    if (taken.insert(candidate).second) return candidate;
  }
}

}  // namespace

void collect_attachments(bundle::BundleWriter& writer, bundle::Manifest& manifest,
                         const std::vector<std::string>& paths) {
  std::set<std::string> taken;
  std::vector<bundle::AttachmentRecord> copied;
  for (const std::string& source : paths) {
    std::error_code ec;
    const fs::file_status status = fs::status(source, ec);
    if (ec || !fs::exists(status)) {
      const std::string why = ec ? ec.message() : "no such file or directory";
      manifest.add_note(kScope, "attachment " + source + " not found: skipped");
      record(manifest, source, why);
      continue;
    }
    const std::string name = unique_name(base_name(source), fs::is_directory(status), taken);
    const std::string relpath = bundle::layout::attachment(name);
    try {
      writer.copy_in(source, relpath);
    } catch (const std::exception& e) {
      manifest.add_note(kScope, "attachment " + source + " could not be copied: skipped");
      record(manifest, source, e.what());
      continue;
    }
    manifest.add_items(kScope, kName, 1);
    copied.push_back({source, relpath});
  }
  if (!copied.empty()) manifest.update([&](bundle::ManifestRecord& r) { r.attachments = copied; });
}

}  // namespace kmg::collectors
