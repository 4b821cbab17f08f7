#include "bundle/bundle_reader.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <memory>
#include <system_error>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include "util/errors.h"

namespace kmg::bundle {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kChunk = 64 * 1024;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

struct ArchiveReadFree {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string archive_error(struct archive* a) {
  const char* text = archive_error_string(a);
  return text ? text : "unknown archive error";
}

void visit_folder(const std::string& bundle_path, const EntryVisitor& visitor) {
  std::vector<std::string> relpaths;
  std::error_code ec;
  fs::recursive_directory_iterator it(bundle_path, fs::directory_options::none, ec);
  if (ec) throw Error("bundle " + bundle_path + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error("bundle " + bundle_path + ": " + ec.message());
    const auto status = it->symlink_status(ec);
    if (!ec && fs::is_regular_file(status)) {
      relpaths.push_back(it->path().lexically_relative(bundle_path).generic_string());
    }
  }
  // The same order finalize() writes archives in, so both kinds of bundle read alike.
  std::sort(relpaths.begin(), relpaths.end());
  std::vector<char> buffer(kChunk);
  for (const auto& relpath : relpaths) {
    const fs::path full = fs::path(bundle_path) / relpath;
    Fd in{::open(full.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0)
      throw Error("bundle " + bundle_path + ": cannot read " + relpath + ": " + errno_text(errno));
    const ChunkPull pull = [&](std::string_view& chunk) {
      for (;;) {
        const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          throw Error("bundle " + bundle_path + ": cannot read " + relpath + ": " +
                      errno_text(errno));
        }
        chunk = std::string_view(buffer.data(), static_cast<std::size_t>(n));
        return n > 0;
      }
    };
    visitor(relpath, pull);
  }
}

// "must-gather-x/clusters/a" -> "clusters/a"; a leading "./" (tar -C dir .) is not the top folder.
std::string strip_top(std::string_view name) {
  while (name.substr(0, 2) == "./") name.remove_prefix(2);
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return {};
  name.remove_prefix(slash + 1);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(name);
}

void visit_archive(const std::string& bundle_path, const EntryVisitor& visitor) {
  std::unique_ptr<struct archive, ArchiveReadFree> a(archive_read_new());
  if (!a) throw Error("bundle " + bundle_path + ": cannot create an archive reader");
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), bundle_path.c_str(), kChunk) != ARCHIVE_OK) {
    throw Error("bundle " + bundle_path + ": " + archive_error(a.get()));
  }
  std::vector<char> buffer(kChunk);
  for (;;) {
    archive_entry* entry = nullptr;
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) throw Error("bundle " + bundle_path + ": " + archive_error(a.get()));
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    const char* raw_name = archive_entry_pathname_utf8(entry);
    const std::string relpath = strip_top(raw_name ? raw_name : "");
    if (relpath.empty()) continue;
    const ChunkPull pull = [&](std::string_view& chunk) {
      const la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
      if (n < 0) {
        throw Error("bundle " + bundle_path + ": cannot read " + relpath + ": " +
                    archive_error(a.get()));
      }
      chunk = std::string_view(buffer.data(), static_cast<std::size_t>(n));
      return n > 0;
    };
    visitor(relpath, pull);
  }
}

}  // namespace

void visit_bundle(const std::string& bundle_path, const EntryVisitor& visitor) {
  std::error_code ec;
  const auto status = fs::status(bundle_path, ec);
  if (ec || !fs::exists(status)) {
    throw Error("bundle " + bundle_path + ": " + (ec ? ec.message() : "no such file or folder"));
  }
  if (fs::is_directory(status)) {
    visit_folder(bundle_path, visitor);
  } else {
    visit_archive(bundle_path, visitor);
  }
}

std::string read_all(const ChunkPull& pull) {
  std::string out;
  std::string_view chunk;
  while (pull(chunk)) out.append(chunk);
  return out;
}

}  // namespace kmg::bundle
