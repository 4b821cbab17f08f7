// `kind-must-gather report BUNDLE`: renders REPORT.md and report.json from a written bundle, the
// same way the gather did (byte for byte), next to the bundle or into --output-dir.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "app/cli.h"
#include "app/options.h"
#include "report/report.h"
#include "util/errors.h"

namespace kmg::app {
namespace {

namespace fs = std::filesystem;

// Beside the bundle: "x.tar.gz" → "x.REPORT.md"; a folder gets them inside.
fs::path default_output_dir(const fs::path& bundle) {
  if (fs::is_directory(bundle)) return bundle;
  return bundle.parent_path().empty() ? fs::path(".") : bundle.parent_path();
}

std::string stem_of(const fs::path& bundle) {
  std::string name = bundle.filename().string();
  for (const char* ext : {".tar.gz", ".tgz", ".tar.zst"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.ends_with(e)) return name.substr(0, name.size() - e.size());
  }
  return name;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) throw Error("cannot write " + path.string());
}

}  // namespace

int run_report(const ReportOptions& options) {
  const fs::path bundle(options.bundle);
  if (!fs::exists(bundle)) {
    spdlog::error("report: {} does not exist", options.bundle);
    return kExitUsage;
  }
  try {
    report::ReportSettings settings;
    settings.template_dir = options.template_dir;
    const auto out = report::build_report(options.bundle, settings);
    const fs::path dir =
        options.output_dir.empty() ? default_output_dir(bundle) : fs::path(options.output_dir);
    fs::create_directories(dir);
    const bool inside = fs::is_directory(bundle) && options.output_dir.empty();
    const std::string prefix = inside ? "" : stem_of(bundle) + ".";
    const fs::path md = dir / (prefix + "REPORT.md");
    const fs::path json = dir / (prefix + "report.json");
    write_text(md, out.markdown);
    write_text(json, out.json);
    if (options.github) {
      if (const char* summary = std::getenv("GITHUB_STEP_SUMMARY"); summary && *summary) {
        std::ofstream(summary, std::ios::app) << out.github_summary << "\n";
      }
      for (const auto& line : out.annotations) std::cout << line << "\n";
    }
    std::cout << out.verdict << "\n" << md.string() << "\n" << json.string() << "\n";
    return kExitComplete;
  } catch (const std::exception& e) {
    spdlog::error("report {}: {}", options.bundle, e.what());
    return kExitNothing;
  }
}

}  // namespace kmg::app
