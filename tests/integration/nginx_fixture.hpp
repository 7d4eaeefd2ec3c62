// tests/integration/nginx_fixture.hpp — a real nginx on 127.0.0.1, started and stopped by
// the test: its own prefix directory, config, document root and a free port.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "child_process.hpp"

namespace corio::testing {

class Nginx {
 public:
  // Serves `root` files written by the caller into root_dir().
  Nginx() {
    char pattern[] = "/tmp/corio-nginx.XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::filesystem::create_directories(dir_ / "root");
    std::filesystem::create_directories(dir_ / "logs");
    port_ = corio_test::free_port();
    do {
      tls_port_ = corio_test::free_port();
    } while (tls_port_ == port_);
  }
  ~Nginx() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  [[nodiscard]] std::filesystem::path root_dir() const { return dir_ / "root"; }
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  // A second free port for a server block of the caller's (TLS, ...).
  [[nodiscard]] std::uint16_t tls_port() const noexcept { return tls_port_; }

  // extra_server_config goes into the plain-HTTP server block; extra_http_config into the
  // http block (more server blocks, e.g. a TLS one on tls_port()).
  void start(const std::string& extra_server_config = {},
             const std::string& extra_http_config = {}) {
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
           "error_log "
        << (dir_ / "logs/error.log").string() << " warn;\npid " << (dir_ / "nginx.pid").string()
        << ";\nevents { worker_connections 1024; }\n"
           "http {\n  access_log off;\n  keepalive_requests 1000;\n"
           "  client_body_temp_path "
        << (dir_ / "tmp").string() << ";\n  server {\n    listen 127.0.0.1:" << port_
        << ";\n    root " << root_dir().string() << ";\n"
        << extra_server_config << "  }\n"
        << extra_http_config << "}\n";
    std::filesystem::create_directories(dir_ / "tmp");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl("/usr/sbin/nginx", "nginx", "-p", dir_.c_str(), "-c", (dir_ / "nginx.conf").c_str(),
              "-e", (dir_ / "logs/error.log").c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // nginx opens its listening sockets one after the other: wait for the caller's TLS block
    // too, or a test can reach the first port before the second one listens.
    std::string tls_listen(1, ':');
    tls_listen += std::to_string(tls_port_);
    const bool listens_on_tls_port = extra_http_config.find(tls_listen) != std::string::npos;
    if (corio_test::wait_for_port(port_) &&
        (!listens_on_tls_port || corio_test::wait_for_port(tls_port_)))
      return;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    std::ostringstream log;
    log << std::ifstream(dir_ / "logs/error.log").rdbuf();
    throw std::runtime_error("nginx did not start listening within 10 s; its error log:\n" +
                             log.str());
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace corio::testing
