// tests/unit/net_streams_test.cpp — tests for include/corio/net/stream_reader.hpp and
// stream_writer.hpp over real socket pairs and TCP on 127.0.0.1.
// Parity cases name the CPython test_asyncio/test_streams.py case they mirror.
#include <corio/net.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
#include <gtest/gtest.h>

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
