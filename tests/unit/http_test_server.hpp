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
};

inline Answer ok(std::string body, std::string extra_headers = {}) {
  return Answer{"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
                extra_headers + "\r\n" + body};
}

class TestServer {
 public:
  using Responder = std::function<Answer(const SeenRequest&)>;

  // Starts listening on 127.0.0.1:0. Call from inside the loop.
  static corio::Task<std::unique_ptr<TestServer>> start(Responder responder) {
    auto self = std::unique_ptr<TestServer>(new TestServer(std::move(responder)));
    TestServer* raw = self.get();
    self->server_ = co_await corio::net::start_server(
        [raw](corio::net::StreamReader reader, corio::net::StreamWriter writer) {
          return raw->serve(std::move(reader), std::move(writer));
        },
        "127.0.0.1", 0);
    co_return self;
  }

  ~TestServer() { server_->close_clients(); }

  [[nodiscard]] std::uint16_t port() const { return server_->sockets().at(0).port(); }
  [[nodiscard]] std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  [[nodiscard]] const std::vector<SeenRequest>& requests() const { return requests_; }
  [[nodiscard]] int connections() const { return connections_; }
  // Connections the client closed (EOF seen between requests).
  [[nodiscard]] int closed_by_peer() const { return closed_by_peer_; }

  // Stops serving; handlers waiting out a delay give up at once.
  corio::Task<> close() {
    closing_.set();
    server_->close_clients();
    co_await server_->wait_closed();
  }

 private:
  explicit TestServer(Responder responder) : responder_(std::move(responder)) {}

  corio::Task<> wait_closing() { co_await closing_.wait(); }

  corio::Task<> serve(corio::net::StreamReader reader, corio::net::StreamWriter writer) {
    const int connection = ++connections_;
    corio::http::RequestParser parser;
    std::string pending;
    for (;;) {
      if (pending.empty()) {
        pending = co_await reader.read(65536);
        if (pending.empty()) {
          ++closed_by_peer_;
          co_return;
        }
      }
      const auto result = parser.feed(pending);
      pending.erase(0, result.consumed);
      if (!result.message_complete) continue;
      requests_.push_back(SeenRequest{parser.take_message(), connection});
      const Answer answer = responder_(requests_.back());
      if (answer.delay.count() > 0) {
        try {
          co_await corio::wait_for(wait_closing(), answer.delay);
          co_return;  // close() came first
        } catch (const corio::TimeoutError&) {
        }
      }
      writer.write(answer.bytes);
      co_await writer.drain();
      if (answer.close_after) {
        writer.close();
        co_return;
      }
    }
  }

  Responder responder_;
  std::optional<corio::net::Server> server_;
  std::vector<SeenRequest> requests_;
  int connections_ = 0;
  int closed_by_peer_ = 0;
  corio::Event closing_;
};

}  // namespace corio_test
