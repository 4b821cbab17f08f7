// libFuzzer target: reading a bundle (.tar.gz/.tar.zst or anything libarchive may guess) from a
// temporary file.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

#include "bundle/bundle_reader.h"
#include "util/errors.h"

namespace {

// One scratch file per fuzzing process, removed at exit.
const std::string& scratch_path() {
  static const std::string path = [] {
    char tmpl[] = "/tmp/kmg-fuzz-bundle.XXXXXX.tar.gz";
    const int fd = mkstemps(tmpl, 7);
    if (fd < 0) std::abort();
    close(fd);
    std::string p = tmpl;
    static const std::string removed = p;
    std::atexit([] { std::remove(removed.c_str()); });
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_path();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    std::size_t total = 0;
    kmg::bundle::visit_bundle(path,
                              [&](const std::string& rel, const kmg::bundle::ChunkPull& pull) {
                                total += rel.size();
                                // Read every other entry whole, stop the others early: both paths
                                // must be safe.
                                if (total % 2 == 0) {
                                  total += kmg::bundle::read_all(pull).size();
                                } else {
                                  std::string_view chunk;
                                  if (pull(chunk)) total += chunk.size();
                                }
                              });
  } catch (const kmg::Error&) {
    // Documented failure mode: kmg::Error naming the bundle.
  }
  return 0;
}
