// libFuzzer target: kubeconfig parsing. Only parse_kubeconfig: resolve_context would read files
// and run exec plugins named by the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kube/kubeconfig.h"
#include "util/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = kmg::kube::parse_kubeconfig(text, "fuzz-input");
    // Touch what parsing produced, so a bad entry is read, not just stored.
    std::size_t total = config.current_context.size();
    for (const auto& [name, entry] : config.contexts) total += name.size() + entry.yaml.size();
    for (const auto& [name, entry] : config.clusters) total += name.size() + entry.yaml.size();
    for (const auto& [name, entry] : config.users) total += name.size() + entry.yaml.size();
    (void)total;
  } catch (const kmg::Error&) {
    // Documented: bad input is a kmg::Error naming the file and field. Anything else escapes.
  }
  return 0;
}
