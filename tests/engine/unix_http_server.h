// A minimal HTTP/1.1 server on a unix socket for SocketEngine tests: one thread, one request per
// connection, and a handler that returns the raw response (status line, headers, body) so tests
// can reproduce exactly what dockerd or podman write, hijacked streams included.
#pragma once

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace kmg::testing {

struct HttpRequest {
  std::string method;
  std::string target;  // path with query
  std::string body;
};

class UnixHttpServer {
 public:
  using Handler = std::function<std::string(const HttpRequest&)>;

  UnixHttpServer(std::string path, Handler handler)
      : path_(std::move(path)), handler_(std::move(handler)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
    ::unlink(path_.c_str());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 16) != 0)
      throw std::runtime_error("cannot listen on " + path_);
    thread_ = std::thread([this] { serve(); });
  }
  ~UnixHttpServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    ::unlink(path_.c_str());
  }
  UnixHttpServer(const UnixHttpServer&) = delete;
  UnixHttpServer& operator=(const UnixHttpServer&) = delete;

  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  // A complete response with Content-Length.
  static std::string reply(int status, const std::string& body,
                           const std::string& extra_headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
  }
  // A hijacked stream as dockerd writes it: no length, the body ends when the connection closes.
  static std::string raw_stream(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n" + body;
  }
  // One multiplexed frame.
  static std::string frame(unsigned char stream, const std::string& payload) {
    std::string h(8, '\0');
    h[0] = static_cast<char>(stream);
    const auto n = static_cast<std::uint32_t>(payload.size());
    h[4] = static_cast<char>((n >> 24) & 0xff);
    h[5] = static_cast<char>((n >> 16) & 0xff);
    h[6] = static_cast<char>((n >> 8) & 0xff);
    h[7] = static_cast<char>(n & 0xff);
    return h + payload;
  }

 private:
  void serve() {
    while (!stop_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    while (header_end == std::string::npos) {
      const ssize_t n = ::read(c, buf, sizeof(buf));
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
      header_end = data.find("\r\n\r\n");
    }
    HttpRequest req;
    const auto sp1 = data.find(' ');
    const auto sp2 = data.find(' ', sp1 + 1);
    req.method = data.substr(0, sp1);
    req.target = data.substr(sp1 + 1, sp2 - sp1 - 1);
    std::size_t length = 0;
    const std::string headers = data.substr(0, header_end);
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      const auto pos = headers.find(name);
      if (pos != std::string::npos) length = std::stoul(headers.substr(pos + std::strlen(name)));
    }
    req.body = data.substr(header_end + 4);
    while (req.body.size() < length) {
      const ssize_t n = ::read(c, buf, sizeof(buf));
      if (n <= 0) break;
      req.body.append(buf, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
    }
    const std::string out = handler_(req);
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
  }

  std::string path_;
  Handler handler_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
};

}  // namespace kmg::testing
