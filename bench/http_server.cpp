// bench/http_server.cpp — corio::http::Server in the HTTP hello-JSON benchmark: the server
// side of a wrk / h2load run (the peers table lives in bench/peers/).
//
// Usage: corio_http_server [--port PORT] [--threads N] [--encode-json] [--tls CERT KEY]
//
// Answers GET /json with {"message":"Hello, World!"} (a constant body, or encoded by
// nlohmann::json on every request with --encode-json) and GET / with "Hello, World!" on
// 127.0.0.1:PORT (default 8080). One thread: one loop (corio::run, Server::serve_forever);
// N threads: MulticoreServer, N loops sharing the port with SO_REUSEPORT. Prints "ready"
// once listening; SIGTERM or SIGINT shuts down gracefully and the process exits 0. Access
// logging is off, as in the other servers of the table. --tls serves HTTPS with that
// certificate chain and key (PEM files). The backend comes from CORIO_BACKEND=epoll|io_uring.
//
//   corio_http_server --threads 2 &
//   wrk -t2 -c64 -d10s http://127.0.0.1:8080/json
#include <corio/corio.hpp>
#include <corio/http.hpp>

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace {

using corio::Task;
using corio::http::Router;
using corio::http::ServerRequest;
using corio::http::ServerResponse;

constexpr std::string_view kHello = R"({"message":"Hello, World!"})";

// Set by --encode-json: /json encodes its body with nlohmann::json on every request (as Go's
// and aiohttp's peers do) instead of sending the constant body (as nginx's and tokio's do).
bool encode_json = false;
// Set by --tls: every connection is served over TLS.
corio::http::ServerOptions server_options;

Router hello_router() {
  Router router;
  if (encode_json) {
    router.get("/json", [](ServerRequest&) -> Task<ServerResponse> {
      co_return ServerResponse::json({{"message", "Hello, World!"}});
    });
  } else {
    router.get("/json", [](ServerRequest&) -> Task<ServerResponse> {
      co_return ServerResponse::content(std::string(kHello), "application/json");
    });
  }
  router.get("/", [](ServerRequest&) -> Task<ServerResponse> {
    co_return ServerResponse::text("Hello, World!");
  });
  return router;
}

// One loop: SIGTERM/SIGINT cancel serve_forever, which shuts the server down gracefully.
Task<> serve_one(std::uint16_t port) {
  corio::http::Server server(hello_router(), server_options);
  co_await server.start("127.0.0.1", port);
  auto main_task = corio::current_task();
  for (int sig : {SIGTERM, SIGINT}) {
    corio::Loop::current().add_signal_handler(sig, [main_task]() mutable { main_task.cancel(); });
  }
  std::puts("ready");
  std::fflush(stdout);
  co_await server.serve_forever();
}

// N loops on N threads; this thread waits for the signal.
void serve_many(std::uint16_t port, std::size_t threads) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  corio::http::MulticoreServer server(hello_router, server_options);
  server.start("127.0.0.1", port, threads);
  std::puts("ready");
  std::fflush(stdout);
  int received = 0;
  sigwait(&signals, &received);
  server.stop();
}

int usage() {
  std::fputs(
      "usage: corio_http_server [--port PORT] [--threads N] [--encode-json] [--tls CERT KEY]\n",
      stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long port = 8080;
  long threads = 1;
  std::optional<std::pair<std::string, std::string>> tls_files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if ((arg == "--port" || arg == "--threads") && i + 1 < argc) {
      char* end = nullptr;
      const long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 0 || value > 65535) return usage();
      (arg == "--port" ? port : threads) = value;
    } else if (arg == "--encode-json") {
      encode_json = true;
    } else if (arg == "--tls" && i + 2 < argc) {
      tls_files = {argv[i + 1], argv[i + 2]};
      i += 2;
    } else {
      return usage();
    }
  }
  if (threads < 1) return usage();
  try {
    if (tls_files) {
      server_options.ssl = corio::net::TlsContext::server(
          {.cert_file = tls_files->first, .key_file = tls_files->second});
    }
    if (threads == 1) {
      corio::run(serve_one(static_cast<std::uint16_t>(port)));
    } else {
      serve_many(static_cast<std::uint16_t>(port), static_cast<std::size_t>(threads));
    }
  } catch (const corio::CancelledError&) {
    // The signal's way out.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio_http_server: %s\n", e.what());
    return 1;
  }
  return 0;
}
