// doctest's main, with the start-up the tool's own main does (a UTF-8 LC_CTYPE).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "util/text.h"

int main(int argc, char** argv) {
  kmg::use_utf8_ctype();
  return doctest::Context(argc, argv).run();
}
