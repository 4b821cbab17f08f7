// libFuzzer target: log error extraction (line classification, signature masking, and the
// streaming scanner fed in chunks that split lines and UTF-8 sequences anywhere).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "report/signatures.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)kmg::report::is_error_line(text);
  (void)kmg::report::is_network_error(text);
  (void)kmg::report::mask_signature(text);

  kmg::report::LogInfo info;
  std::map<std::string, kmg::report::Signature> signatures;
  kmg::report::LogScanner scanner(info, signatures, "fuzz/pod");
  // The first byte chooses the chunk size, so chunk boundaries vary with the input.
  const std::size_t step = size == 0 ? 1 : 1 + data[0] % 61;
  for (std::size_t at = 0; at < size; at += step) scanner.feed(text.substr(at, step));
  scanner.finish();
  return 0;
}
