#include "scenario.h"

#include <memory>
#include <stdexcept>

#include <archive.h>
#include <archive_entry.h>

#include "temp_dir.h"

namespace kmg::integration {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

}  // namespace

nlohmann::json load_scenario(const std::string& path) {
  return nlohmann::json::parse(kmg::testing::read_file(path));
}

std::vector<nlohmann::json> objects_of_kind(const nlohmann::json& scenario,
                                            const std::string& kind) {
  std::vector<nlohmann::json> out;
  for (const auto& obj : scenario.at("objects")) {
    if (obj.value("kind", "") == kind) out.push_back(obj);
  }
  return out;
}

std::string log_text(const std::string& line) {
  const auto space = line.find(' ');
  return space == std::string::npos ? line : line.substr(space + 1);
}

std::map<std::string, std::string> tar_contents(const std::string& path) {
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), 64 * 1024) != ARCHIVE_OK) {
    throw std::runtime_error("cannot open " + path + ": " + archive_error_string(a.get()));
  }
  std::map<std::string, std::string> entries;
  archive_entry* entry = nullptr;
  int r = ARCHIVE_OK;
  while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK) {
    const char* name = archive_entry_pathname(entry);
    std::string data;
    char buffer[64 * 1024];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0) {
      data.append(buffer, static_cast<std::size_t>(n));
    }
    if (n < 0) throw std::runtime_error("reading " + path + ": " + archive_error_string(a.get()));
    entries[name != nullptr ? name : ""] = std::move(data);
  }
  if (r != ARCHIVE_EOF) {
    throw std::runtime_error("reading " + path + ": " + archive_error_string(a.get()));
  }
  return entries;
}

std::string cluster_dir(const std::string& context) { return "clusters/" + context; }

std::string custom_resource_path(const std::string& context, const nlohmann::json& crd,
                                 const nlohmann::json& object) {
  const std::string group = crd["spec"]["group"];
  const std::string plural = crd["spec"]["names"]["plural"];
  const std::string name = object["metadata"]["name"];
  if (crd["spec"].value("scope", "") == "Cluster") {
    return cluster_dir(context) + "/cluster-scoped/" + group + "/" + plural + "/" + name + ".yaml";
  }
  return cluster_dir(context) + "/namespaces/" + object["metadata"].value("namespace", "") + "/" +
         group + "/" + plural + "/" + name + ".yaml";
}

}  // namespace kmg::integration
