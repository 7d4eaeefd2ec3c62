// tests/support/httpbin_fixture.hpp — python3-httpbin under gunicorn on 127.0.0.1, started
// and stopped by the test (Debian's /usr/bin/python3: the modules are Debian packages).
// One worker with threads, so keep-alive works (gunicorn's sync workers close every
// connection).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace corio_test {

class Httpbin {
 public:
  Httpbin() {
    char pattern[] = "/tmp/corio-httpbin-XXXXXX.log";
    const int fd = ::mkstemps(pattern, 4);
    if (fd < 0) throw std::runtime_error("mkstemps failed");
    ::close(fd);
    log_ = pattern;
    const std::vector<std::string> argv = {"/usr/bin/python3",
                                           "-m",
                                           "gunicorn",
                                           "--bind",
                                           "127.0.0.1:" + std::to_string(port_),
                                           "--worker-class",
                                           "gthread",
                                           "--threads",
                                           "16",
                                           "--workers",
                                           "1",
                                           "--log-level",
                                           "warning",
                                           "httpbin:app"};
    child_ = std::make_unique<Child>(argv, log_);
    if (!wait_for_port(port_, 20s)) {
      throw std::runtime_error("httpbin (gunicorn) did not start:\n" + child_->log_text());
    }
  }
  ~Httpbin() {
    child_.reset();
    ::unlink(log_.c_str());
  }
  Httpbin(const Httpbin&) = delete;
  Httpbin& operator=(const Httpbin&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  std::uint16_t port_ = free_port();
  std::string log_;
  std::unique_ptr<Child> child_;
};

}  // namespace corio_test
