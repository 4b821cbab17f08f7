// A large, realistic cluster generated in memory for benchmarks and load tests:
// "namespaces=20,pods=50,containers=2,events=10,crs=1000,logbytes=65536".
#pragma once

#include <string>

#include "store.h"

namespace kmg::fakeapi {

struct SyntheticSpec {
  int namespaces = 5;
  int pods = 10;         // per namespace
  int containers = 2;    // per pod
  int events = 5;        // per pod
  int crs = 100;         // widgets.example.com instances in total
  long logbytes = 4096;  // per container log
};

// Throws kmg::Error on an unknown key or a bad number.
SyntheticSpec parse_synthetic_spec(const std::string& text);
void generate_synthetic(const SyntheticSpec& spec, const std::string& cluster_name, Store& store);

}  // namespace kmg::fakeapi
