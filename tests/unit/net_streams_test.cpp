// tests/unit/net_streams_test.cpp — tests for include/corio/net/stream_reader.hpp and
// stream_writer.hpp over real socket pairs and TCP on 127.0.0.1.
// Parity cases name the CPython test_asyncio/test_streams.py case they mirror.
#include <gtest/gtest.h>
#include <unistd.h>
#include <corio/net.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
#include <corio/net/streams.hpp>

#include <chrono>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using corio::net::StreamReader;
using corio::net::StreamWriter;
using corio::net::UnixStream;

namespace {

struct Pipe {
  StreamReader reader;
  StreamWriter writer;
};

// A reader on one end of a socket pair and a writer on the other.
Pipe make_pipe(std::size_t limit = StreamReader::kDefaultLimit) {
  auto [a, b] = UnixStream::pair();
  return Pipe{StreamReader(std::make_shared<UnixStream>(std::move(a)), limit),
              StreamWriter(std::make_shared<UnixStream>(std::move(b)))};
}

}  // namespace

// Parity: test_readline.
TEST(StreamReader, ReadlineReturnsLinesAndThePartialLastLine) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    pipe.writer.write("one\ntwo\nthree");
    pipe.writer.write_eof();
    EXPECT_EQ(co_await pipe.reader.readline(), "one\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "two\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "three");
    EXPECT_EQ(co_await pipe.reader.readline(), "");
    EXPECT_TRUE(pipe.reader.at_eof());
  });
}

// Parity: test_readexactly_eof.
TEST(StreamReader, ReadexactlyRaisesIncompleteReadWithThePartialBytes) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    pipe.writer.write("12345");
    pipe.writer.write_eof();
    EXPECT_EQ(co_await pipe.reader.readexactly(3), "123");
    try {
      co_await pipe.reader.readexactly(10);
      ADD_FAILURE() << "no IncompleteReadError";
    } catch (const corio::net::IncompleteReadError& e) {
      EXPECT_EQ(e.partial(), "45");
      EXPECT_EQ(e.expected(), 10u);
    }
  });
}

// Parity: test_readuntil_limit_found_sep / test_readuntil_eof.
TEST(StreamReader, ReaduntilHonoursTheLimitAndKeepsTheBytes) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(8);
    pipe.writer.write("0123456789abc|tail");
    pipe.writer.write_eof();
    EXPECT_THROW(co_await pipe.reader.readuntil("|"), corio::net::LimitOverrunError);
    EXPECT_EQ(co_await pipe.reader.readexactly(4), "0123");
    try {
      co_await pipe.reader.readuntil("#");
      ADD_FAILURE() << "no error";
    } catch (const corio::net::LimitOverrunError&) {
    }
  });
}

TEST(StreamReader, ReaduntilFindsMultiByteSeparatorsSplitAcrossReads) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    auto writer = corio::spawn([&]() -> corio::Task<> {
      pipe.writer.write("header\r");
      co_await corio::sleep(1ms);
      pipe.writer.write("\n\r\nbody");
      pipe.writer.write_eof();
    });
    EXPECT_EQ(co_await pipe.reader.readuntil("\r\n\r\n"), "header\r\n\r\n");
    EXPECT_EQ(co_await pipe.reader.read(), "body");
    co_await writer;
  });
}

TEST(StreamReader, ReadWithNegativeCountReadsToEof) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    std::string big(300'000, 'z');
    pipe.writer.write(big);
    pipe.writer.write_eof();
    EXPECT_EQ((co_await pipe.reader.read(-1)).size(), big.size());
    EXPECT_EQ(co_await pipe.reader.read(5), "");
  });
}

TEST(StreamReader, CancelledReadLosesNoBytes) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    auto pending = corio::spawn(pipe.reader.readexactly(6));
    pipe.writer.write("abc");
    co_await corio::sleep(2ms);
    pending.cancel();
    EXPECT_THROW(co_await pending, corio::CancelledError);
    pipe.writer.write("def");
    EXPECT_EQ(co_await pipe.reader.readexactly(6), "abcdef");
  });
}

// A slow reader must not make the writer's memory grow without bound: drain() blocks.
TEST(StreamWriter, DrainAppliesBackpressureAgainstASlowReader) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    std::size_t peak = 0;
    const std::string chunk(16 * 1024, 'q');
    constexpr int kChunks = 400;  // 6.4 MiB in total
    auto producer = corio::spawn([&]() -> corio::Task<> {
      for (int i = 0; i < kChunks; ++i) {
        pipe.writer.write(chunk);
        peak = std::max(peak, pipe.writer.buffered());
        co_await pipe.writer.drain();
      }
      pipe.writer.write_eof();
    });
    std::size_t received = 0;
    for (;;) {
      const std::string got = co_await pipe.reader.read(4096);
      if (got.empty()) break;
      received += got.size();
      if (received % (256 * 1024) < 4096) co_await corio::sleep(1ms);  // a slow consumer
    }
    co_await producer;
    EXPECT_EQ(received, chunk.size() * kChunks);
    EXPECT_LE(peak, StreamWriter::kHighWater + chunk.size());
  });
}

TEST(StreamWriter, CloseFlushesThenClosesAndWriteAfterCloseFails) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    pipe.writer.write("last words");
    pipe.writer.close();
    co_await pipe.writer.wait_closed();
    EXPECT_EQ(co_await pipe.reader.read(), "last words");
    EXPECT_EQ(co_await pipe.reader.read(), "");
    EXPECT_THROW(pipe.writer.write("more"), corio::net::NetworkError);
  });
}

TEST(StreamWriter, SendFailureSurfacesInDrain) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    pipe.reader.transport()->close();  // the peer goes away
    const std::string chunk(256 * 1024, 'x');
    bool failed = false;
    try {
      for (int i = 0; i < 64; ++i) {
        pipe.writer.write(chunk);
        co_await pipe.writer.drain();
      }
    } catch (const corio::net::NetworkError&) {
      failed = true;
    }
    EXPECT_TRUE(failed);
  });
}

namespace {

corio::Task<> echo_lines(StreamReader reader, StreamWriter writer) {
  for (;;) {
    std::string line = co_await reader.readline();
    if (line.empty()) co_return;
    writer.write(line);
    co_await writer.drain();
  }
}

}  // namespace

// Parity: test_streams.py test_start_server / test_open_connection.
TEST(Streams, StartServerAndOpenConnectionEchoLines) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(echo_lines, "127.0.0.1", 0);
    const auto port = server.sockets().at(0).port();
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
    writer.write("hello\nworld\n");
    EXPECT_EQ(co_await reader.readline(), "hello\n");
    EXPECT_EQ(co_await reader.readline(), "world\n");
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
    EXPECT_FALSE(server.is_serving());
  });
}

TEST(Streams, OpenConnectionResolvesLocalhostThroughTheHostsFile) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(echo_lines, "127.0.0.1", 0);
    auto [reader, writer] =
        co_await corio::net::open_connection("localhost", server.sockets().at(0).port());
    writer.write("by name\n");
    EXPECT_EQ(co_await reader.readline(), "by name\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  });
}

TEST(Streams, AFailingHandlerIsReportedAndTheServerKeepsServing) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    int calls = 0;
    auto server = co_await corio::net::start_server(
        [&](StreamReader reader, StreamWriter writer) -> corio::Task<> {
          if (++calls == 1) throw std::runtime_error("handler broke");
          co_await echo_lines(std::move(reader), std::move(writer));
        },
        "127.0.0.1", 0);
    const auto port = server.sockets().at(0).port();
    {
      auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
      EXPECT_EQ(co_await reader.read(), "");  // closed by the server after the failure
    }
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
    writer.write("still here\n");
    EXPECT_EQ(co_await reader.readline(), "still here\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("handler broke"), std::string::npos) << err;
}

TEST(Streams, WaitClosedWaitsForHandlersAndCloseClientsEndsThem) {
  corio::run([]() -> corio::Task<> {
    bool handler_done = false;
    auto server = co_await corio::net::start_server(
        [&](StreamReader reader, StreamWriter) -> corio::Task<> {
          (void)co_await reader.read();  // until the connection goes away
          handler_done = true;
        },
        "127.0.0.1", 0);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port());
    writer.write("x");
    co_await corio::sleep(5ms);
    server.close();
    EXPECT_FALSE(handler_done);  // close() leaves connections alone
    server.close_clients();
    co_await server.wait_closed();
    EXPECT_TRUE(handler_done);
    EXPECT_EQ(co_await reader.read(), "");
  });
}

TEST(Streams, ServeForeverReturnsOnCloseAndCancellingItClosesTheServer) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(echo_lines, "127.0.0.1", 0);
    auto serving = corio::spawn(server.serve_forever());
    co_await corio::yield_now();
    serving.cancel();
    EXPECT_THROW(co_await serving, corio::CancelledError);
    EXPECT_FALSE(server.is_serving());
    co_await server.wait_closed();
    EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port()),
                 corio::net::ConnectionRefusedError);
  });
}

TEST(Streams, UnixServerAndConnection) {
  corio::run([]() -> corio::Task<> {
    const std::string path = "@corio-streams-" + std::to_string(::getpid());
    auto server = co_await corio::net::start_unix_server(echo_lines, path);
    auto [reader, writer] = co_await corio::net::open_unix_connection(path);
    writer.write("unix\n");
    EXPECT_EQ(co_await reader.readline(), "unix\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  });
}
