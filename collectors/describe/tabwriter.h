// Column alignment the way Go's text/tabwriter does it, which is what kubectl prints through.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kmg::describe {

// Aligns tab-terminated cells like Go's tabwriter.NewWriter(out, minwidth, tabwidth, padding, ' ',
// 0). A cell is text ending in '\t'; the text after the last tab of a line is not part of any
// column. Consecutive lines that have a cell in column k form one block and share its width (widest
// cell + padding, at least minwidth). tabwidth only matters for '\t' padding, which kubectl never
// uses, so it is not a parameter.
std::string tabwrite(std::string_view text, std::size_t minwidth = 0, std::size_t padding = 2);

// kubectl's PrefixWriter over a tabwriter(0, 8, 2, ' '): write() indents by two spaces per level;
// flush() closes the current alignment block (kubectl flushes before the Events table, so that
// table is aligned on its own).
class PrefixWriter {
 public:
  void write(int level, std::string_view text);
  void flush();
  // Flushes and returns everything written so far.
  std::string str();

 private:
  std::string pending_;
  std::string done_;
};

}  // namespace kmg::describe
