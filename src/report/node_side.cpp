#include "report/node_side.h"

#include <algorithm>
#include <vector>

#include "bundle/truncation.h"
#include "util/text.h"

namespace kmg::report {
namespace {

constexpr std::size_t kMaxLineChars = 400;   // a quoted journal line
constexpr std::size_t kMaxLinesPerKind = 5;  // last distinct lines kept per kind of line
constexpr std::size_t kMaxImageWaits = 20;   // images per node the kubelet waits for

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string_view> fields(std::string_view row) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < row.size()) {
    while (i < row.size() && (row[i] == ' ' || row[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < row.size() && row[i] != ' ' && row[i] != '\t') ++i;
    if (i > start) out.push_back(row.substr(start, i - start));
  }
  return out;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// The reference quoted after `at` in a journal line: quotes arrive plain, escaped once (\") or
// twice (\\\") depending on how deep the kubelet nested the error.
std::string quoted_at(std::string_view text, std::size_t at) {
  while (at < text.size() && (text[at] == '\\' || text[at] == '"' || text[at] == '\'')) ++at;
  std::size_t end = at;
  while (end < text.size() && text[end] != '\\' && text[end] != '"' && text[end] != '\'' &&
         text[end] != ' ')
    ++end;
  return std::string(text.substr(at, end - at));
}

std::string quoted_after(std::string_view text, std::string_view anchor) {
  const auto at = text.find(anchor);
  return at == std::string_view::npos ? "" : quoted_at(text, at + anchor.size());
}

// The image a kubelet line says a container waits for, with the waiting reason; empty when the
// line is about something else. Messages from pkg/kubelet/images/image_manager.go and
// kuberuntime_image.go: `Container image "X" is not present with pull policy of Never`,
// `Back-off pulling image "X"`, `"Failed to pull image" err=... image="X"` and the event's
// `Failed to pull image "X": ...`.
std::pair<std::string, std::string> image_wait(std::string_view m) {
  if (contains(m, "is not present with pull policy of Never"))
    return {quoted_after(m, "Container image "), "ErrImageNeverPull"};
  if (contains(m, "Back-off pulling image"))
    return {quoted_after(m, "Back-off pulling image "), "ImagePullBackOff"};
  if (contains(m, "Failed to pull image")) {
    std::string image = quoted_after(m, " image=");
    if (image.empty()) image = quoted_after(m, "Failed to pull image ");
    return {image, "ErrImagePull"};
  }
  return {};
}

// containerd's side of a failed `ctr images import` (as `kind load` runs it): ctr's own fatal
// line ("ctr: ..."), a content write the client abandoned, a layer that would not unpack.
bool import_failure(std::string_view message) {
  if (message.starts_with("ctr: ")) return true;
  const std::string m = to_lower(message.substr(0, kMaxLineChars * 2));
  for (std::string_view s : {"(*service).write failed", "failed to extract layer", "apply failure",
                             "unrecognized image format", "invalid tar header", "failed to unpack",
                             "image might be filtered out"})
    if (contains(m, s)) return true;
  return contains(m, "import") && (contains(m, "fail") || contains(m, "error"));
}

// klog's "E0204 10:00:00.123" / "F0204 ..." header.
bool klog_error(std::string_view m) {
  return m.size() >= 6 && (m[0] == 'E' || m[0] == 'F') && is_digit(m[1]) && is_digit(m[4]) &&
         m[5] == ' ';
}

bool logrus_error(std::string_view m) {
  return contains(m, "level=error") || contains(m, "level=fatal") || contains(m, "level=panic");
}

std::string clip(std::string_view line) {
  std::string s = to_valid_utf8(trim(line.substr(0, kMaxLineChars)));
  if (line.size() > kMaxLineChars) s += "...";
  return s;
}

// Repeats of one complaint differ in their numbers (times, pids, ids).
std::string dedup_key(std::string_view kind, std::string_view message) {
  std::string key(kind);
  key += '|';
  for (char c : message.substr(0, 200)) key += is_digit(c) ? '0' : c;
  return key;
}

// Keeps the last `kMaxLinesPerKind` distinct lines: the end of a journal is the latest word.
void keep_last(std::vector<NodeLine>& lines, NodeLine line) {
  if (lines.size() >= kMaxLinesPerKind) lines.erase(lines.begin());
  lines.push_back(std::move(line));
}

}  // namespace

std::string normalize_image(std::string_view ref) {
  ref = trim(ref);
  std::string name(ref);
  const auto slash = name.find('/');
  const std::string first = slash == std::string::npos ? "" : name.substr(0, slash);
  const bool has_domain =
      !first.empty() && (first.find('.') != std::string::npos ||
                         first.find(':') != std::string::npos || first == "localhost");
  if (!has_domain) name = (slash == std::string::npos ? "docker.io/library/" : "docker.io/") + name;
  const auto last_slash = name.rfind('/');
  const bool tagged = name.find(':', last_slash) != std::string::npos;
  if (!tagged && name.find('@') == std::string::npos) name += ":latest";
  return name;
}

bool system_image(std::string_view n) {
  return n.starts_with("registry.k8s.io/") || n.starts_with("k8s.gcr.io/") ||
         n.starts_with("docker.io/kindest/");
}

std::string_view journal_message(std::string_view line, std::string_view* ident) {
  // "Sep 20 04:56:05 host ident[pid]: message": a three-letter month, then the clock.
  if (line.size() < 17 || line[3] != ' ' || line[9] != ':' || line[15] != ' ') return line;
  const auto host_end = line.find(' ', 16);
  if (host_end == std::string_view::npos) return line;
  const auto colon = line.find(": ", host_end + 1);
  if (colon == std::string_view::npos) return line;
  std::string_view tag = line.substr(host_end + 1, colon - host_end - 1);
  if (tag.find(' ') != std::string_view::npos) return line;
  if (ident != nullptr) *ident = tag.substr(0, tag.find('['));
  return line.substr(colon + 2);
}

NodeSideScanner::NodeSideScanner(NodeSide& side, std::string file)
    : side_(side), file_(std::move(file)) {
  if (file_ == "images.log") side_.has_images = true;
}

bool NodeSideScanner::reads(std::string_view file) {
  return file == "images.log" || file == "kubelet.log" || file == "containerd.log" ||
         file == "journal.log";
}

void NodeSideScanner::feed(std::string_view chunk) {
  while (!chunk.empty()) {
    const auto nl = chunk.find('\n');
    if (nl == std::string_view::npos) {
      // A line longer than anything worth quoting is cut, not buffered whole.
      if (partial_.size() < kMaxLineChars * 8) partial_.append(chunk);
      return;
    }
    if (partial_.empty()) {
      line(chunk.substr(0, nl));
    } else {
      if (partial_.size() < kMaxLineChars * 8) partial_.append(chunk.substr(0, nl));
      line(partial_);
      partial_.clear();
    }
    chunk.remove_prefix(nl + 1);
  }
}

void NodeSideScanner::finish() {
  if (!partial_.empty()) line(partial_);
  partial_.clear();
}

void NodeSideScanner::line(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
  if (trim(raw).empty() || bundle::is_gather_note(raw) || bundle::is_truncation_marker(raw)) return;
  if (file_ == "images.log") return image_row(raw);
  std::string_view ident;
  const std::string_view message = journal_message(raw, &ident);
  if (file_ == "kubelet.log") return kubelet_line(raw, message);
  if (file_ == "containerd.log") return containerd_line(raw, message);
  // The whole journal: only what the unit journals above do not hold (an import run from a
  // script or a unit of its own).
  // Its kubelet lines still name the images pods wait for (merged by image with kubelet.log's).
  if (ident == "kubelet") {
    image_wait_line(raw, message);
    return;
  }
  if (ident == "containerd") return;
  if (import_failure(message) && seen_.insert(dedup_key("import", message)).second)
    keep_last(side_.import_failures, NodeLine{file_, clip(raw)});
}

void NodeSideScanner::image_row(std::string_view row) {
  const auto f = fields(row);
  if (f.empty()) return;
  if (listing_ == Listing::unknown) {
    // The header names the tool: crictl's IMAGE TAG IMAGE ID SIZE, ctr's REF TYPE DIGEST ...
    if (f[0] == "IMAGE") listing_ = Listing::crictl;
    if (f[0] == "REF") listing_ = Listing::ctr;
    if (listing_ != Listing::unknown) return;
    listing_ = f.size() >= 4 && f[1].starts_with("application/") ? Listing::ctr : Listing::crictl;
  }
  std::string ref;
  if (listing_ == Listing::crictl) {
    // An image only known by digest shows the tag <none>: no name a pod could use.
    if (f.size() < 2 || f[1] == "<none>") return;
    ref = std::string(f[0]) + ":" + std::string(f[1]);
  } else {
    // The CRI plugin also names each image by its id ("sha256:..."): not a reference.
    if (f[0].starts_with("sha256:")) return;
    ref = std::string(f[0]);
  }
  side_.images.insert(normalize_image(ref));
}

bool NodeSideScanner::image_wait_line(std::string_view line, std::string_view message) {
  // Named, not a structured binding: clang (the fuzz build) refuses to capture a binding.
  const auto wait = image_wait(message);
  const std::string& image = wait.first;
  const std::string& reason = wait.second;
  if (image.empty()) return false;
  auto& waits = side_.image_waits;
  auto it = std::find_if(waits.begin(), waits.end(),
                         [&](const ImageWait& w) { return w.image == image; });
  if (it != waits.end()) {
    // ErrImageNeverPull says more than the back-off that repeats it.
    if (it->reason != "ErrImageNeverPull") it->reason = reason;
    it->line = NodeLine{file_, clip(line)};
  } else if (waits.size() < kMaxImageWaits) {
    waits.push_back(ImageWait{image, reason, NodeLine{file_, clip(line)}});
  }
  return true;
}

void NodeSideScanner::kubelet_line(std::string_view line, std::string_view message) {
  if (image_wait_line(line, message)) return;
  if (klog_error(message) && seen_.insert(dedup_key("kubelet", message.substr(6))).second)
    keep_last(side_.kubelet_errors, NodeLine{file_, clip(line)});
}

void NodeSideScanner::containerd_line(std::string_view line, std::string_view message) {
  // containerd's logrus lines start with time="...": the key leaves it out.
  const auto msg_at = message.find("msg=");
  const std::string_view body = msg_at == std::string_view::npos ? message : message.substr(msg_at);
  if (import_failure(message)) {
    if (seen_.insert(dedup_key("import", body)).second)
      keep_last(side_.import_failures, NodeLine{file_, clip(line)});
    return;
  }
  if (logrus_error(message) && seen_.insert(dedup_key("containerd", body)).second)
    keep_last(side_.containerd_errors, NodeLine{file_, clip(line)});
}

}  // namespace kmg::report
