// kind-must-gather: the composition root is in app/cli.cpp; main only hands over.
#include "app/cli.h"

int main(int argc, char** argv) { return kmg::app::run_cli(argc, argv); }
