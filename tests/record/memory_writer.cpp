#include "memory_writer.h"

namespace kmg::testing {

class MemoryWriter::Appender final : public record::LogAppender {
 public:
  Appender(std::mutex& mutex, std::shared_ptr<Log> log) : mutex_(mutex), log_(std::move(log)) {}
  void append(std::string_view chunk) override {
    std::lock_guard lock(mutex_);
    log_->text.append(chunk);
  }
  void close(std::string_view reason) override {
    std::lock_guard lock(mutex_);
    log_->closed = true;
    log_->close_reason = reason;
  }

 private:
  std::mutex& mutex_;
  std::shared_ptr<Log> log_;
};

std::unique_ptr<record::LogAppender> MemoryWriter::open_log(std::string_view,
                                                            const record::LogInstance& instance) {
  std::lock_guard lock(mutex_);
  logs_.push_back(std::make_shared<Log>(Log{instance, "", "", false}));
  return std::make_unique<Appender>(mutex_, logs_.back());
}

std::vector<std::string> MemoryWriter::summary(const std::string& resource) const {
  std::vector<std::string> out;
  std::lock_guard lock(mutex_);
  for (const auto& c : changes_) {
    if (c.resource != resource) continue;
    const auto& meta = c.object["metadata"];
    out.push_back(c.type + " " + meta.value("name", "") + " " + meta.value("resourceVersion", ""));
  }
  return out;
}

std::vector<MemoryWriter::Log> MemoryWriter::logs() const {
  std::vector<Log> out;
  std::lock_guard lock(mutex_);
  for (const auto& l : logs_) out.push_back(*l);
  return out;
}

}  // namespace kmg::testing
