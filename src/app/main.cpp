// kind-must-gather: the composition root is in app/cli.cpp; main only hands over.
#include "app/cli.h"
#include "util/text.h"

int main(int argc, char** argv) {
  kmg::use_utf8_ctype();
  return kmg::app::run_cli(argc, argv);
}
