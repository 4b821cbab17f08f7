// An in-memory KubeApi for unit tests: canned responses by exact path, records what was asked.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kube/kube_api.h"

namespace kmg::testing {

class MemoryKubeApi final : public kube::KubeApi {
 public:
  // Answers `path` (exact match, query included) with `status` and `body`.
  void set(const std::string& path, std::string body, long status = 200) {
    std::lock_guard lock(mutex_);
    routes_[path] = {status, std::move(body)};
  }

  kube::Response get(const std::string& path) override {
    std::lock_guard lock(mutex_);
    requests_.push_back(path);
    kube::Response r;
    auto it = routes_.find(path);
    if (it == routes_.end()) {
      r.status = 404;
      r.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"no route for )" +
               path + R"(","reason":"NotFound","code":404})";
    } else {
      r.status = it->second.first;
      r.body = it->second.second;
    }
    r.bytes = r.body.size();
    return r;
  }

  kube::Response stream(const std::string& path, const kube::ChunkSink& sink) override {
    kube::Response r = get(path);
    if (r.ok()) {
      if (!sink(r.body)) r.error = "aborted by receiver";
      r.body.clear();
    }
    return r;
  }

  std::string endpoint() const override { return "memory://test"; }

  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::pair<long, std::string>> routes_;
  std::vector<std::string> requests_;
};

}  // namespace kmg::testing
