// Keeps the last `limit` bytes of a stream of unknown length, with flat memory: small logs stay in
// memory, big ones spill to a scratch file; finish() writes the result into the bundle with a
// truncation marker (bundle/truncation.h) as the first line when bytes were dropped. Tails matter
// more than heads: the last lines before a crash are what explain it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace kmg::bundle {
class BundleWriter;
}

namespace kmg::collectors {

class TailLog {
 public:
  // `scratch_dir` holds the spill file (removed in finish()/destructor).
  TailLog(std::uint64_t limit, std::string scratch_dir);
  ~TailLog();
  TailLog(const TailLog&) = delete;
  TailLog& operator=(const TailLog&) = delete;

  // False when the spill file cannot be written (disk full); the log is then cut short.
  bool write(std::string_view chunk);
  std::uint64_t total_bytes() const { return total_; }
  // Writes the kept tail to `relpath`; returns the bytes written, or -1 if the bundle refused it.
  std::int64_t finish(bundle::BundleWriter& writer, const std::string& relpath);

 private:
  static constexpr std::uint64_t kInMemoryMax = 1 << 20;
  bool spill();

  std::uint64_t limit_;
  std::string scratch_dir_;
  std::string memory_;
  std::FILE* file_ = nullptr;
  std::string file_path_;
  std::uint64_t total_ = 0;
};

}  // namespace kmg::collectors
