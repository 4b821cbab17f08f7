#include "collectors/describe/tabwriter.h"

#include <vector>

namespace kmg::describe {
namespace {

struct Cell {
  std::string_view text;
  std::size_t width = 0;  // in code points, as Go counts runes
};

using Line = std::vector<Cell>;

std::size_t rune_count(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

// Splits into lines of cells. Every line has at least one cell (the trailing, unaligned one).
std::vector<Line> split_cells(std::string_view text, bool& ends_with_newline) {
  std::vector<Line> lines;
  Line current;
  std::size_t start = 0;
  ends_with_newline = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\t' && c != '\n') continue;
    const std::string_view cell = text.substr(start, i - start);
    current.push_back({cell, rune_count(cell)});
    start = i + 1;
    if (c == '\n') {
      lines.push_back(std::move(current));
      current.clear();
    }
  }
  if (start < text.size() || !current.empty()) {
    const std::string_view cell = text.substr(start);
    current.push_back({cell, rune_count(cell)});
    lines.push_back(std::move(current));
  } else {
    ends_with_newline = !lines.empty();
  }
  return lines;
}

class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, std::size_t minwidth, std::size_t padding,
            bool ends_with_newline)
      : lines_(lines),
        minwidth_(minwidth),
        padding_(padding),
        ends_with_newline_(ends_with_newline) {}

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // Same recursion as Go's Writer.format: find the next run of lines that have a cell in the
  // current column, size that column, and recurse for the columns to its right.
  void format(std::size_t line0, std::size_t line1) {
    const std::size_t column = widths_.size();
    for (std::size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      write_lines(line0, cur);
      line0 = cur;
      std::size_t width = minwidth_;
      for (; cur < line1; ++cur) {
        const Line& line = lines_[cur];
        if (column + 1 >= line.size()) break;
        width = std::max(width, line[column].width + padding_);
      }
      widths_.push_back(width);
      format(line0, cur);
      widths_.pop_back();
      line0 = cur;
      if (cur >= line1) break;
    }
    write_lines(line0, line1);
  }

  void write_lines(std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      const Line& line = lines_[i];
      for (std::size_t j = 0; j < line.size(); ++j) {
        out_.append(line[j].text);
        if (j < widths_.size() && widths_[j] > line[j].width) {
          out_.append(widths_[j] - line[j].width, ' ');
        }
      }
      if (i + 1 < lines_.size() || ends_with_newline_) out_.push_back('\n');
    }
  }

  const std::vector<Line>& lines_;
  std::size_t minwidth_;
  std::size_t padding_;
  bool ends_with_newline_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

}  // namespace

std::string tabwrite(std::string_view text, std::size_t minwidth, std::size_t padding) {
  bool ends_with_newline = false;
  const std::vector<Line> lines = split_cells(text, ends_with_newline);
  return Formatter(lines, minwidth, padding, ends_with_newline).run();
}

void PrefixWriter::write(int level, std::string_view text) {
  for (int i = 0; i < level; ++i) pending_ += "  ";
  pending_.append(text);
}

void PrefixWriter::flush() {
  done_ += tabwrite(pending_);
  pending_.clear();
}

std::string PrefixWriter::str() {
  flush();
  return done_;
}

}  // namespace kmg::describe
