// tests/unit/http_test_server.hpp — a scripted HTTP/1.1 peer for the client's tests: a
// real corio TCP server on 127.0.0.1 that parses each request with RequestParser, records
// it, and answers with whatever raw bytes the test's responder returns (valid or not).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <corio/corio.hpp>
#include <corio/http.hpp>
#include <corio/net.hpp>

namespace corio_test {

struct SeenRequest {
  corio::http::Message message;  // method, target, headers, body (chunked already undone)
  int connection = 0;            // which connection carried it, counting from 1
};

// What to do after a request: the bytes to send, then keep reading or hang up.
struct Answer {
  std::string bytes;
  bool close_after = false;
  // Sleep before answering (to trip the client's read timeout).
  std::chrono::milliseconds delay{0};
  // Sent unasked 50 ms after the answer, the connection left open: what a server that times
  // out an idle connection writes just before closing it (a 408).
  std::string later;
};

inline Answer ok(std::string body, std::string extra_headers = {}) {
  return Answer{"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
                extra_headers + "\r\n" + body};
}

// The server's record lives in State, shared with the connection handlers: a handler may
// resume after the test body has dropped its TestServer (on io_uring a parked read ends
// only when the kernel has let go of it).
class TestServer {
 public:
  using Responder = std::function<Answer(const SeenRequest&)>;

  // Starts listening on 127.0.0.1:0. Call from inside the loop.
  static corio::Task<std::unique_ptr<TestServer>> start(Responder responder) {
    auto self = std::unique_ptr<TestServer>(new TestServer(std::move(responder)));
    self->server_ = co_await corio::net::start_server(
        [state = self->state_](corio::net::StreamReader reader, corio::net::StreamWriter writer) {
          return serve(state, std::move(reader), std::move(writer));
        },
        "127.0.0.1", 0);
    co_return self;
  }

  ~TestServer() {
    state_->closing.set();
    server_->close_clients();
  }

  [[nodiscard]] std::uint16_t port() const { return server_->sockets().at(0).port(); }
  [[nodiscard]] std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  [[nodiscard]] const std::vector<SeenRequest>& requests() const { return state_->requests; }
  [[nodiscard]] int connections() const { return state_->connections; }
  // Connections the client closed (EOF seen between requests).
  [[nodiscard]] int closed_by_peer() const { return state_->closed_by_peer; }

  // Stops serving; handlers waiting out a delay give up at once.
  corio::Task<> close() {
    state_->closing.set();
    server_->close_clients();
    co_await server_->wait_closed();
  }

 private:
  struct State {
    Responder responder;
    std::vector<SeenRequest> requests;
    int connections = 0;
    int closed_by_peer = 0;
    corio::Event closing;
  };

  explicit TestServer(Responder responder) : state_(std::make_shared<State>()) {
    state_->responder = std::move(responder);
  }

  static corio::Task<> wait_closing(std::shared_ptr<State> state) {
    co_await state->closing.wait();
  }

  static corio::Task<> serve(std::shared_ptr<State> state, corio::net::StreamReader reader,
                             corio::net::StreamWriter writer) {
    const int connection = ++state->connections;
    corio::http::RequestParser parser;
    std::string pending;
    for (;;) {
      if (pending.empty()) {
        pending = co_await reader.read(65536);
        if (pending.empty()) {
          ++state->closed_by_peer;
          co_return;
        }
      }
      const auto result = parser.feed(pending);
      pending.erase(0, result.consumed);
      if (!result.message_complete) continue;
      state->requests.push_back(SeenRequest{parser.take_message(), connection});
      const Answer answer = state->responder(state->requests.back());
      if (answer.delay.count() > 0) {
        try {
          co_await corio::wait_for(wait_closing(state), answer.delay);
          co_return;  // close() came first
        } catch (const corio::TimeoutError&) {
        }
      }
      writer.write(answer.bytes);
      co_await writer.drain();
      if (!answer.later.empty()) {
        co_await corio::sleep(std::chrono::milliseconds(50));
        writer.write(answer.later);
        co_await writer.drain();
      }
      if (answer.close_after) {
        writer.close();
        co_return;
      }
    }
  }

  std::shared_ptr<State> state_;
  std::optional<corio::net::Server> server_;
};

}  // namespace corio_test
