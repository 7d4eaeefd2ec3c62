// tests/integration/streams_nginx_test.cpp — corio::net streams against a real nginx on
// 127.0.0.1 (raw HTTP/1.1 over open_connection; the HTTP client proper comes later).
#include <gtest/gtest.h>
#include <corio/net.hpp>

#include <fstream>
#include <string>

#include "nginx_fixture.hpp"

using corio::net::StreamReader;
using corio::net::StreamWriter;

namespace {

struct Reply {
  std::string head;
  std::string body;
};

// Reads one response with a Content-Length body.
corio::Task<Reply> read_reply(StreamReader& reader) {
  Reply reply;
  reply.head = co_await reader.readuntil("\r\n\r\n");
  const auto at = reply.head.find("Content-Length: ");
  EXPECT_NE(at, std::string::npos) << reply.head;
  if (at == std::string::npos) co_return reply;
  const std::size_t length = std::stoul(reply.head.substr(at + 16));
  reply.body = co_await reader.readexactly(length);
  co_return reply;
}

class StreamsAgainstNginx : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(nginx_.root_dir() / "hello.txt") << "hello from nginx\n";
    big_.resize(1 << 20);
    for (std::size_t i = 0; i < big_.size(); ++i) big_[i] = static_cast<char>('a' + i % 26);
    std::ofstream(nginx_.root_dir() / "big.bin", std::ios::binary) << big_;
    nginx_.start();
  }
  corio::testing::Nginx nginx_;
  std::string big_;
};

}  // namespace

TEST_F(StreamsAgainstNginx, FetchesAFileOverOpenConnection) {
  corio::run([&]() -> corio::Task<> {
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", nginx_.port());
    writer.write("GET /hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    co_await writer.drain();
    Reply reply = co_await read_reply(reader);
    EXPECT_EQ(reply.head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply.head;
    EXPECT_EQ(reply.body, "hello from nginx\n");
    EXPECT_EQ(co_await reader.read(), "");  // nginx closes: Connection: close
    writer.close();
    co_await writer.wait_closed();
  });
}

TEST_F(StreamsAgainstNginx, KeepsTheConnectionAliveAcrossRequestsAndLargeBodies) {
  corio::run([&]() -> corio::Task<> {
    auto [reader, writer] = co_await corio::net::open_connection("localhost", nginx_.port());
    for (int i = 0; i < 20; ++i) {
      writer.write("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
      Reply reply = co_await read_reply(reader);
      EXPECT_EQ(reply.head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
      EXPECT_TRUE(reply.body == big_) << "request " << i << ": " << reply.body.size() << " bytes";
    }
    writer.write("GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n");
    Reply missing = co_await read_reply(reader);
    EXPECT_EQ(missing.head.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << missing.head;
    writer.close();
    co_await writer.wait_closed();
  });
}

TEST_F(StreamsAgainstNginx, ManyConcurrentConnectionsAllGetTheirReplies) {
  int ok = 0;
  corio::run([&]() -> corio::Task<> {
    co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
      for (int i = 0; i < 200; ++i) {
        group.spawn([&]() -> corio::Task<> {
          auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", nginx_.port());
          writer.write("GET /hello.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
          Reply reply = co_await read_reply(reader);
          if (reply.body == "hello from nginx\n") ++ok;
          writer.close();
          co_await writer.wait_closed();
        });
      }
      co_return;
    });
  });
  EXPECT_EQ(ok, 200);
}
