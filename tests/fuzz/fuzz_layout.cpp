// libFuzzer target: layout::parse on any bytes. It must not crash; what it recognises must rebuild
// to a path of the same kind, and to the very path when every name in it is already safe.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bundle/layout.h"
#include "util/path.h"
#include "util/text.h"

namespace layout = kmg::bundle::layout;

namespace {

bool all_names_safe(std::string_view path) {
  for (const auto& part : kmg::split(path, '/'))
    if (kmg::safe_path_component(part) != part) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path(reinterpret_cast<const char*>(data), size);
  const layout::Entry e = layout::parse(path);
  if (e.kind == layout::EntryKind::unknown) return 0;
  const std::string rebuilt = layout::path(e);
  if (layout::parse(rebuilt).kind != e.kind) std::abort();
  if (all_names_safe(path) && rebuilt != path) std::abort();
  return 0;
}
