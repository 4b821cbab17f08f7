#include "fixture.h"

#include <filesystem>
#include <stdexcept>

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/text.h"

namespace kmg::reliability {

Gathered gather(const kmg::testing::TempDir& dir, const std::vector<std::string>& args,
                std::chrono::seconds kill_after, const std::string& name) {
  Gathered g;
  const std::string home = dir.path() + "/home";
  std::filesystem::create_directories(home);
  g.bundle = dir.path() + "/" + name;
  std::vector<std::string> full = {"--no-kind"};
  full.insert(full.end(), args.begin(), args.end());
  full.insert(full.end(), {"--output", g.bundle});
  g.run = run_kmg(full, home, kill_after);
  std::error_code ec;
  g.bundle_exists = std::filesystem::exists(g.bundle, ec);
  if (!g.bundle_exists) return g;
  g.files = read_bundle(g.bundle);
  if (const auto m = g.files.find("manifest.json"); m != g.files.end()) {
    g.manifest = nlohmann::json::parse(m->second, nullptr, false);
  }
  if (const auto r = g.files.find("REPORT.md"); r != g.files.end()) g.report = r->second;
  return g;
}

std::string seed_scenario() { return kmg::testing::source_root() + "/tests/scenarios/seed.json"; }

std::vector<std::string> scenario_pods(const std::string& scenario_path) {
  const auto doc = nlohmann::json::parse(kmg::testing::read_file(scenario_path));
  std::vector<std::string> pods;
  for (const auto& obj : doc.at("objects")) {
    if (obj.value("kind", "") != "Pod") continue;
    pods.push_back(obj["metadata"].value("namespace", "") + "/" +
                   obj["metadata"].value("name", ""));
  }
  return pods;
}

std::vector<Failure> failures(const nlohmann::json& manifest) {
  std::vector<Failure> out;
  if (!manifest.is_object() || !manifest.contains("clusters")) return out;
  for (const auto& [cluster, record] : manifest["clusters"].items()) {
    if (!record.contains("failures")) continue;
    for (const auto& f : record["failures"]) {
      out.push_back({cluster, f.value("collector", ""), f.value("path", ""), f.value("status", 0L),
                     f.value("message", "")});
    }
  }
  return out;
}

std::string kubeconfig_field(const std::string& text, const std::string& key) {
  const std::string needle = key + ": ";
  const auto at = text.find(needle);
  if (at == std::string::npos) return "";
  const auto end = text.find('\n', at);
  return text.substr(at + needle.size(), end - at - needle.size());
}

std::string replace_kubeconfig_field(const std::string& text, const std::string& key,
                                     const std::string& value) {
  std::string out;
  std::size_t pos = 0;
  const std::string needle = key + ": ";
  while (true) {
    const auto at = text.find(needle, pos);
    if (at == std::string::npos) break;
    const auto end = text.find('\n', at);
    out += text.substr(pos, at - pos) + needle + value;
    pos = end == std::string::npos ? text.size() : end;
  }
  out += text.substr(pos);
  return out;
}

std::string rewrite_kubeconfig(const std::string& text, const std::string& server,
                               const std::string& from, const std::string& to) {
  std::string out = replace_kubeconfig_field(text, "server", server);
  for (std::size_t at = out.find(from); at != std::string::npos; at = out.find(from, at)) {
    out.replace(at, from.size(), to);
    at += to.size();
  }
  return out;
}

int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("bind failed");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string pod_dir(const std::string& cluster, const std::string& ns_pod) {
  const auto slash = ns_pod.find('/');
  return "clusters/" + cluster + "/namespaces/" + ns_pod.substr(0, slash) + "/pods/" +
         ns_pod.substr(slash + 1);
}

}  // namespace kmg::reliability

namespace kmg::reliability {
namespace {

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1)) ++n;
  return n;
}

// Cell separators of a table row: pipes not escaped with a backslash.
std::size_t unescaped_pipes(const std::string& line) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '|') {
      ++n;
    }
  }
  return n;
}

}  // namespace

void check_markdown_tables(const std::string& md, const kmg::testing::TempDir& dir) {
  CHECK(kmg::to_valid_utf8(md) == md);
  std::vector<std::vector<std::string>> tables;
  bool fence = false;
  std::vector<std::string> current;
  for (const auto& line : kmg::split(md, '\n')) {
    if (line.rfind("```", 0) == 0) fence = !fence;
    if (!fence && line.rfind("|", 0) == 0) {
      current.push_back(line);
    } else if (!current.empty()) {
      tables.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tables.push_back(current);

  for (const auto& table : tables) {
    const std::size_t header = unescaped_pipes(table.front());
    for (const auto& row : table) {
      INFO("row: ", row);
      CHECK(unescaped_pipes(row) == header);
    }
  }

  const std::string path = dir.write("REPORT.check.md", md);
  const auto run =
      run_process({"/usr/bin/cmark-gfm", "--extension", "table", path}, std::chrono::seconds(60));
  REQUIRE(run.exit_code == 0);
  const std::string& html = run.out;
  CHECK(count(html, "<table>") == tables.size());
  std::size_t pos = 0;
  for (const auto& table : tables) {
    const auto start = html.find("<table>", pos);
    REQUIRE(start != std::string::npos);
    const auto end = html.find("</table>", start);
    CHECK(count(html.substr(start, end - start), "<tr>") == table.size() - 1);
    pos = end;
  }
}

}  // namespace kmg::reliability
