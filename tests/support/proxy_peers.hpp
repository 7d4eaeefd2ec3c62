// tests/support/proxy_peers.hpp — real proxies on 127.0.0.1 for the tests: microsocks
// (SOCKS5, optionally with RFC 1929 credentials) and tinyproxy (HTTP, CONNECT). Neither can
// report the port it bound, so each gets a port that was just free and the constructor
// waits until it accepts. Their logs go next to the test certificates (test_file()).
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "test_certificates.hpp"

namespace corio_test {

// `microsocks` on a fresh port, with `-u user -P password` when given.
struct Microsocks {
  std::uint16_t port = corio_test::free_port();
  std::unique_ptr<Child> child;

  explicit Microsocks(const std::vector<std::string>& auth = {}) {
    std::vector<std::string> argv = {"microsocks", "-i", "127.0.0.1", "-p", std::to_string(port)};
    argv.insert(argv.end(), auth.begin(), auth.end());
    child = std::make_unique<Child>(argv, test_file("microsocks.log"));
    if (!corio_test::wait_for_port(port)) {
      throw std::runtime_error("microsocks did not start:\n" + child->log_text());
    }
  }
};

// `tinyproxy -d` (foreground) on a fresh port, allowing CONNECT to `connect_port` only,
// asking for Basic credentials user:pass unless `with_auth` is false. Plain http requests
// in absolute form go to any port.
struct Tinyproxy {
  std::uint16_t port = corio_test::free_port();
  std::unique_ptr<Child> child;

  explicit Tinyproxy(std::uint16_t connect_port, bool with_auth = true) {
    const std::string config = test_file("tinyproxy.conf");
    std::ofstream(config) << "Port " << port << "\n"
                          << "Listen 127.0.0.1\n"
                          << "Timeout 30\n"
                          << "MaxClients 10\n"
                          << "Allow 127.0.0.1\n"
                          << "ConnectPort " << connect_port << "\n"
                          << (with_auth ? "BasicAuth user pass\n" : "") << "LogLevel Info\n"
                          << "LogFile \"" << test_file("tinyproxy.log") << "\"\n"
                          << "PidFile \"" << test_file("tinyproxy.pid") << "\"\n";
    const std::vector<std::string> argv = {"tinyproxy", "-d", "-c", config};
    child = std::make_unique<Child>(argv, test_file("tinyproxy.out"));
    if (!corio_test::wait_for_port(port)) {
      throw std::runtime_error("tinyproxy did not start:\n" + child->log_text());
    }
  }
};

}  // namespace corio_test
