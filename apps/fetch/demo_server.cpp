// apps/fetch/demo_server.cpp — a small corio HTTP server for `make demo` and the
// corio-fetch benchmark: GET /{anything} answers 200 with a short JSON body.
//
//   corio-fetch-demo-server [PORT]     (0 or none: a free port)
//
// Prints "listening on http://127.0.0.1:PORT" once it accepts, then serves until SIGINT or
// SIGTERM.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <corio/http/server.hpp>
#include <corio/loop.hpp>
#include <corio/run.hpp>

namespace {

corio::Task<> serve(std::uint16_t port) {
  corio::http::Router router;
  router.get(
      "/{path...}",
      [](corio::http::ServerRequest& request) -> corio::Task<corio::http::ServerResponse> {
        co_return corio::http::ServerResponse::json({{"path", request.path()}, {"ok", true}});
      });
  corio::http::Server server(std::move(router));
  co_await server.start("127.0.0.1", port);
  std::printf("listening on http://127.0.0.1:%u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  corio::Loop::current().add_signal_handler(
      SIGTERM, [&server] { corio::spawn(server.shutdown(), "shutdown"); });
  co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
  const long port = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 0;
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "corio-fetch-demo-server: bad port '%s'\n", argv[1]);
    return 2;
  }
  try {
    corio::run(serve(static_cast<std::uint16_t>(port)));
  } catch (const corio::KeyboardInterrupt&) {
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "corio-fetch-demo-server: %s\n", e.what());
    return 1;
  }
  return 0;
}
