// Writes a bundle: files go to a staging folder next to the output (so concurrent collectors never
// contend on one archive stream and memory stays flat), then finalize() packs the folder into
// .tar.gz / .tar.zst (libarchive) or moves it into place, under a temporary name renamed only when
// complete. abandon() removes everything.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace kmg::bundle {

enum class Format { kTarGz, kTarZst, kDirectory };

struct OutputSpec {
  std::string path;  // final path: "must-gather-20260204T101500Z.tar.gz" or a directory
  Format format = Format::kTarGz;
  std::string top_folder;  // the one folder inside: "must-gather-20260204T101500Z"
};

// From --output (may be empty) and the start time as "20260204T101500Z": picks the format from
// the extension (.tar.gz/.tgz, .tar.zst, anything else is a directory) and the default name.
OutputSpec plan_output(const std::string& requested, const std::string& compact_start_time);

// A file being written; not thread-safe itself (one collector writes one file).
class FileStream {
 public:
  virtual ~FileStream() = default;
  // Returns false once the bundle's size budget is exhausted (the write is then dropped).
  virtual bool write(std::string_view data) = 0;
  virtual std::uint64_t bytes() const = 0;
  // Closes the file; further writes are ignored. Also done by the destructor.
  virtual void close() = 0;
};

class BundleWriter {
 public:
  // Throws kmg::Error if the staging folder cannot be created (output folder not writable...)
  // or, for a folder output, if spec.path already exists. max_bytes 0 means no budget.
  BundleWriter(OutputSpec spec, std::uint64_t max_bytes);
  // Abandons (removes the staging folder) unless finalize() succeeded.
  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  const OutputSpec& spec() const { return spec_; }
  // Thread-safe. `relpath` comes from layout.h (already sanitized); parent folders are created.
  // Returns false when the size budget would be exceeded (nothing written).
  // Also false (with a warning logged) when the file cannot be written. A relpath that is not
  // clean (absolute, "..", empty component, NUL) throws kmg::Error.
  bool write_file(const std::string& relpath, std::string_view content);
  // A buffered stream to a new file; nullptr (warning logged) when the file cannot be created.
  // Once one write is refused for the budget, the stream refuses all later writes, so the file
  // is a clean prefix. Must not outlive the writer.
  std::unique_ptr<FileStream> open_stream(const std::string& relpath);
  // Copies a local file or folder (attachments) under `relpath`. Throws kmg::Error on failure.
  void copy_in(const std::string& source, const std::string& relpath);
  // The staging folder that holds the top folder's contents (for the report's reader).
  std::string staging_dir() const;
  std::uint64_t bytes_written() const { return bytes_.load(); }
  std::uint64_t max_bytes() const { return max_bytes_; }
  // True once a write was refused for the size budget.
  bool budget_exhausted() const { return budget_hit_.load(); }
  // True once a file could not be written (disk full, permissions): the bundle lacks it.
  bool write_failed() const { return write_failed_.load(); }
  // Packs and renames into spec().path; returns that path. Throws kmg::Error (disk full...),
  // leaving no file under the final name; the staged files stay until abandon() or destruction.
  // Archive entries are "<top>/<relpath>", sorted by relpath. All streams must be closed first.
  std::string finalize();
  // Deletes the staging folder and any temporary archive.
  void abandon();

  // Internal: accounts `n` bytes against the budget; false when it would exceed it.
  bool reserve(std::uint64_t n);
  // Internal: logs a file that could not be written. A full disk refuses every file after the
  // first, so only the first is a warning; the rest go to the debug log.
  void warn_write_failure(const std::string& message);

 private:
  OutputSpec spec_;
  std::uint64_t max_bytes_;
  std::string staging_root_;  // parent of the top folder
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<bool> budget_hit_{false};
  std::atomic<bool> write_failed_{false};
  bool finished_ = false;
};

}  // namespace kmg::bundle
