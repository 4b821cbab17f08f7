#include "bundle/bundle_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errors.h"
#include "util/fd.h"

namespace kmg::bundle {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kBlock = 64 * 1024;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The last path component of `path`, ignoring trailing slashes.
std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The folder that holds `path` ("." for a bare name).
std::string parent_dir(const std::string& path) {
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  const auto slash = trimmed.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return trimmed.substr(0, slash);
}

// Paths come from layout.h, but one that climbs out of the bundle must never reach the disk.
void check_relpath(const std::string& relpath) {
  const bool bad_start = relpath.empty() || relpath.front() == '/';
  bool bad_part = relpath.find('\0') != std::string::npos;
  std::size_t start = 0;
  while (!bad_start && !bad_part && start <= relpath.size()) {
    auto end = relpath.find('/', start);
    if (end == std::string::npos) end = relpath.size();
    const std::string_view part(relpath.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") bad_part = true;
    start = end + 1;
  }
  if (bad_start || bad_part)
    throw Error("bundle path \"" + relpath + "\" is not a clean relative path");
}

// create_directories may race with another thread creating the same folder; that is success.
bool make_parents(const fs::path& file) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  return !ec || fs::is_directory(file.parent_path());
}

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
  // Closes now and reports the error close() may carry (NFS, disk full on some filesystems).
  int release_and_close() {
    const int rc = ::close(fd);
    fd = -1;
    return rc;
  }
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

struct ArchiveFree {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

class StagingFileStream final : public FileStream {
 public:
  StagingFileStream(BundleWriter& writer, std::unique_ptr<std::FILE, FileCloser> file,
                    std::string path)
      : writer_(writer), file_(std::move(file)), path_(std::move(path)) {
    // A fixed buffer: the stream never accumulates more than this in memory.
    std::setvbuf(file_.get(), nullptr, _IOFBF, kBlock);
  }
  ~StagingFileStream() override { close(); }

  bool write(std::string_view data) override {
    if (!file_ || refused_) return false;
    if (data.empty()) return true;
    // Once refused, refuse everything after so the file stays a clean prefix of what was sent.
    if (!writer_.reserve(data.size())) {
      refused_ = true;
      return false;
    }
    if (std::fwrite(data.data(), 1, data.size(), file_.get()) != data.size()) {
      writer_.warn_write_failure("cannot write " + path_ + ": " + errno_text(errno));
      refused_ = true;
      return false;
    }
    bytes_ += data.size();
    return true;
  }
  std::uint64_t bytes() const override { return bytes_; }
  void close() override {
    if (!file_) return;
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0)
      writer_.warn_write_failure("cannot close " + path_ + ": " + errno_text(errno));
  }

 private:
  BundleWriter& writer_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string path_;
  std::uint64_t bytes_ = 0;
  bool refused_ = false;
};

// Every entry below `root`, relative to it, sorted so archives are reproducible and match the
// order visit_bundle() uses for a folder. Symlinks and special files are left out.
struct StagedEntry {
  std::string relpath;
  bool is_dir = false;
};

std::vector<StagedEntry> list_staged(const fs::path& root) {
  std::vector<StagedEntry> entries;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) throw Error("cannot list " + root.string() + ": " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error("cannot list " + root.string() + ": " + ec.message());
    const auto status = it->symlink_status(ec);
    if (ec) continue;
    if (!fs::is_regular_file(status) && !fs::is_directory(status)) continue;
    entries.push_back(
        {it->path().lexically_relative(root).generic_string(), fs::is_directory(status)});
  }
  std::sort(entries.begin(), entries.end(),
            [](const StagedEntry& a, const StagedEntry& b) { return a.relpath < b.relpath; });
  return entries;
}

// Writes one staged file's bytes into the archive in fixed blocks.
// libarchive's message ("Write error") with the system's reason when it has one ("No space left
// on device"), so a full disk is named as such.
std::string archive_failure(struct archive* a) {
  std::string message = archive_error_string(a) ? archive_error_string(a) : "unknown error";
  const int err = archive_errno(a);
  if (err > 0) {
    const std::string reason = errno_text(err);
    if (message.find(reason) == std::string::npos) message += " (" + reason + ")";
  }
  return message;
}

void pack_file(struct archive* a, const fs::path& source, std::uint64_t size) {
  FdCloser in{::open(source.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) throw Error("cannot read " + source.string() + ": " + errno_text(errno));
  std::vector<char> buffer(kBlock);
  std::uint64_t left = size;
  while (left > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    const ssize_t n = ::read(in.fd, buffer.data(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error("cannot read " + source.string() + ": " + errno_text(errno));
    if (n == 0) throw Error(source.string() + " shrank while it was being packed");
    if (archive_write_data(a, buffer.data(), static_cast<std::size_t>(n)) != n) {
      throw Error("cannot pack " + source.string() + ": " + archive_failure(a));
    }
    left -= static_cast<std::uint64_t>(n);
  }
}

void add_entry(struct archive* a, const fs::path& root, const std::string& top,
               const StagedEntry& staged) {
  const fs::path source = root / staged.relpath;
  struct stat st {};
  if (::lstat(source.c_str(), &st) != 0) {
    throw Error("cannot stat " + source.string() + ": " + errno_text(errno));
  }
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  const std::string name = top + "/" + staged.relpath;
  // Names are UTF-8 whatever the process locale is; the _utf8 setter spares libarchive a
  // conversion from the locale's charset that fails for non-ASCII names under LANG=C.
  archive_entry_set_pathname_utf8(entry.get(), name.c_str());
  archive_entry_set_mtime(entry.get(), st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  if (staged.is_dir) {
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
  } else {
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_size(entry.get(), st.st_size);
  }
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
    throw Error("cannot add " + name + ": " + archive_failure(a));
  }
  if (!staged.is_dir) pack_file(a, source, static_cast<std::uint64_t>(st.st_size));
}

void fsync_dir(const std::string& dir) {
  FdCloser d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

// Packs `root` into an open file descriptor as <top>/... entries.
void write_archive(int fd, Format format, const fs::path& root, const std::string& top) {
  std::unique_ptr<struct archive, ArchiveFree> a(archive_write_new());
  if (!a) throw Error("cannot create an archive writer");
  const int filter = format == Format::kTarZst ? archive_write_add_filter_zstd(a.get())
                                               : archive_write_add_filter_gzip(a.get());
  // pax_restricted writes plain ustar headers and adds pax records only for long names.
  if (filter != ARCHIVE_OK || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_open_fd(a.get(), fd) != ARCHIVE_OK) {
    throw Error("cannot start the archive: " + archive_failure(a.get()));
  }
  {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_set_pathname_utf8(entry.get(), top.c_str());
    archive_entry_set_filetype(entry.get(), AE_IFDIR);
    archive_entry_set_perm(entry.get(), 0755);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      throw Error("cannot add " + top + ": " + archive_failure(a.get()));
    }
  }
  for (const auto& staged : list_staged(root)) add_entry(a.get(), root, top, staged);
  // close() flushes the compressor and the last block: a full disk often shows up only here.
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    throw Error("cannot complete the archive: " + archive_failure(a.get()));
  }
}

}  // namespace

OutputSpec plan_output(const std::string& requested, const std::string& compact_start_time) {
  const std::string default_top = "must-gather-" + compact_start_time;
  OutputSpec spec;
  if (requested.empty()) {
    spec.path = default_top + ".tar.gz";
    spec.format = Format::kTarGz;
    spec.top_folder = default_top;
    return spec;
  }
  spec.path = requested;
  const std::string base = base_name(requested);
  struct Suffix {
    std::string_view text;
    Format format;
  };
  constexpr Suffix kSuffixes[] = {
      {".tar.gz", Format::kTarGz}, {".tgz", Format::kTarGz}, {".tar.zst", Format::kTarZst}};
  spec.format = Format::kDirectory;
  spec.top_folder = base;
  for (const auto& suffix : kSuffixes) {
    if (ends_with(base, suffix.text)) {
      spec.format = suffix.format;
      spec.top_folder = base.substr(0, base.size() - suffix.text.size());
      break;
    }
  }
  if (spec.format == Format::kDirectory) {
    while (spec.path.size() > 1 && spec.path.back() == '/') spec.path.pop_back();
  }
  // "/", ".", ".." or a bare ".tar.gz" give no usable folder name.
  if (spec.top_folder.empty() || spec.top_folder == "." || spec.top_folder == ".." ||
      spec.top_folder == "/") {
    spec.top_folder = default_top;
  }
  return spec;
}

BundleWriter::BundleWriter(OutputSpec spec, std::uint64_t max_bytes)
    : spec_(std::move(spec)), max_bytes_(max_bytes) {
  if (spec_.path.empty()) throw Error("bundle: empty output path");
  if (spec_.top_folder.empty() || spec_.top_folder.find('/') != std::string::npos ||
      spec_.top_folder == "." || spec_.top_folder == "..") {
    throw Error("bundle: invalid top folder \"" + spec_.top_folder + "\"");
  }
  // Fail now rather than after minutes of gathering.
  std::error_code ec;
  if (spec_.format == Format::kDirectory && fs::exists(fs::symlink_status(spec_.path, ec))) {
    throw Error("output folder " + spec_.path + " already exists");
  }
  const std::string parent = parent_dir(spec_.path);
  std::string pattern = parent + "/" + base_name(spec_.path) + ".partial-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw Error("cannot create a staging folder in " + parent + " for " + spec_.path + ": " +
                errno_text(errno));
  }
  staging_root_ = buffer.data();
  if (::mkdir(staging_dir().c_str(), 0755) != 0) {
    const int err = errno;
    fs::remove_all(staging_root_, ec);
    throw Error("cannot create " + staging_dir() + ": " + errno_text(err));
  }
}

BundleWriter::~BundleWriter() {
  if (!finished_) abandon();
}

std::string BundleWriter::staging_dir() const { return staging_root_ + "/" + spec_.top_folder; }

bool BundleWriter::reserve(std::uint64_t n) {
  if (max_bytes_ == 0) {  // no budget
    bytes_.fetch_add(n);
    return true;
  }
  std::uint64_t current = bytes_.load();
  do {
    if (n > max_bytes_ || current > max_bytes_ - n) {
      budget_hit_.store(true);
      return false;
    }
  } while (!bytes_.compare_exchange_weak(current, current + n));
  return true;
}

void BundleWriter::warn_write_failure(const std::string& message) {
  if (!write_failed_.exchange(true)) {
    spdlog::warn("bundle: {} (later write failures are logged with --verbose only)", message);
  } else {
    spdlog::debug("bundle: {}", message);
  }
}

bool BundleWriter::write_file(const std::string& relpath, std::string_view content) {
  check_relpath(relpath);
  const fs::path target = fs::path(staging_dir()) / relpath;
  // Rewriting a file (REPORT.md after a failed report) gives back what the old one counted.
  struct stat old {};
  const std::uint64_t old_size =
      ::stat(target.c_str(), &old) == 0 && S_ISREG(old.st_mode) ? old.st_size : 0;
  if (!reserve(content.size())) return false;
  if (!make_parents(target)) {
    warn_write_failure("cannot create the folder for " + target.string());
    bytes_.fetch_sub(content.size());
    return false;
  }
  FdCloser out{::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (out.fd < 0 || !write_all(out.fd, content) || out.release_and_close() != 0) {
    warn_write_failure("cannot write " + target.string() + ": " + errno_text(errno));
    bytes_.fetch_sub(content.size());
    std::error_code ec;
    fs::remove(target, ec);
    return false;
  }
  if (old_size > 0) bytes_.fetch_sub(std::min<std::uint64_t>(old_size, bytes_.load()));
  return true;
}

std::unique_ptr<FileStream> BundleWriter::open_stream(const std::string& relpath) {
  check_relpath(relpath);
  const fs::path target = fs::path(staging_dir()) / relpath;
  if (!make_parents(target)) {
    warn_write_failure("cannot create the folder for " + target.string());
    return nullptr;
  }
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(target.c_str(), "wbe"));
  if (!file) {
    warn_write_failure("cannot create " + target.string() + ": " + errno_text(errno));
    return nullptr;
  }
  return std::make_unique<StagingFileStream>(*this, std::move(file), target.string());
}

void BundleWriter::copy_in(const std::string& source, const std::string& relpath) {
  check_relpath(relpath);
  std::error_code ec;
  const auto status = fs::status(source, ec);
  if (ec) throw Error("cannot read attachment " + source + ": " + ec.message());

  auto copy_one = [&](const fs::path& from, const std::string& to) {
    auto out = open_stream(to);
    if (!out) throw Error("cannot write attachment " + from.string() + " to the bundle as " + to);
    FdCloser in{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0)
      throw Error("cannot read attachment " + from.string() + ": " + errno_text(errno));
    std::vector<char> buffer(kBlock);
    for (;;) {
      const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw Error("cannot read attachment " + from.string() + ": " + errno_text(errno));
      if (n == 0) break;
      // Over budget: keep what fits and stop; budget_exhausted() tells the caller.
      if (!out->write(std::string_view(buffer.data(), static_cast<std::size_t>(n)))) break;
    }
    out->close();
  };

  if (fs::is_regular_file(status)) {
    copy_one(source, relpath);
    return;
  }
  if (!fs::is_directory(status)) throw Error("attachment " + source + " is not a file or folder");
  // Symlinks inside the folder are skipped: they could point anywhere on the machine.
  fs::recursive_directory_iterator it(source, fs::directory_options::none, ec);
  if (ec) throw Error("cannot read attachment " + source + ": " + ec.message());
  fs::create_directories(fs::path(staging_dir()) / relpath, ec);
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) throw Error("cannot read attachment " + source + ": " + ec.message());
    const auto entry_status = it->symlink_status(ec);
    if (ec || !fs::is_regular_file(entry_status)) continue;
    copy_one(it->path(), relpath + "/" + it->path().lexically_relative(source).generic_string());
  }
}

std::string BundleWriter::finalize() {
  if (finished_) throw Error("bundle " + spec_.path + " was already finalized or abandoned");
  std::error_code ec;
  if (spec_.format == Format::kDirectory) {
    // RENAME_NOREPLACE: a folder that appeared meanwhile must not be replaced (plain rename()
    // silently replaces an empty one).
    int rc = ::renameat2(AT_FDCWD, staging_dir().c_str(), AT_FDCWD, spec_.path.c_str(),
                         RENAME_NOREPLACE);
    if (rc != 0 && (errno == EINVAL || errno == ENOSYS)) {
      // A filesystem without RENAME_NOREPLACE: check, then rename (a small race, no better way).
      rc = fs::exists(fs::symlink_status(spec_.path, ec))
               ? (errno = EEXIST, -1)
               : ::rename(staging_dir().c_str(), spec_.path.c_str());
    }
    if (rc != 0) {
      const int err = errno;
      throw Error("cannot move the bundle into " + spec_.path + ": " + errno_text(err));
    }
  } else {
    const std::string pattern_text = spec_.path + ".tmp-XXXXXX";
    std::vector<char> pattern(pattern_text.begin(), pattern_text.end());
    pattern.push_back('\0');
    FdCloser out{::mkostemp(pattern.data(), O_CLOEXEC)};
    if (out.fd < 0) {
      throw Error("cannot create " + pattern_text + " for bundle " + spec_.path + ": " +
                  errno_text(errno));
    }
    const std::string temp = pattern.data();
    try {
      ::fchmod(out.fd, 0644);
      write_archive(out.fd, spec_.format, staging_dir(), spec_.top_folder);
      if (::fsync(out.fd) != 0) throw Error("fsync failed: " + errno_text(errno));
      if (out.release_and_close() != 0) throw Error("close failed: " + errno_text(errno));
      if (::rename(temp.c_str(), spec_.path.c_str()) != 0) {
        throw Error("rename from " + temp + " failed: " + errno_text(errno));
      }
    } catch (const Error& e) {
      ::unlink(temp.c_str());
      throw Error("cannot write bundle " + spec_.path + ": " + e.what());
    }
  }
  fsync_dir(parent_dir(spec_.path));
  finished_ = true;
  fs::remove_all(staging_root_, ec);
  if (ec) spdlog::warn("bundle: cannot remove staging folder {}: {}", staging_root_, ec.message());
  return spec_.path;
}

void BundleWriter::abandon() {
  finished_ = true;
  if (staging_root_.empty()) return;
  std::error_code ec;
  fs::remove_all(staging_root_, ec);
  if (ec) spdlog::warn("bundle: cannot remove staging folder {}: {}", staging_root_, ec.message());
}

}  // namespace kmg::bundle
