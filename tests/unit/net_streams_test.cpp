// tests/unit/net_streams_test.cpp — tests for include/corio/net/stream_reader.hpp,
// stream_writer.hpp and streams.hpp over real socket pairs, TCP on 127.0.0.0/8 and TLS
// (certificates from tests/support/test_certificates.hpp).
// Parity cases name the CPython test_asyncio/test_streams.py case they mirror.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>
#include <corio/net.hpp>
#include <corio/net/stream_reader.hpp>
#include <corio/net/stream_writer.hpp>
#include <corio/net/streams.hpp>

#include <fcntl.h>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net_test_support.hpp"
#include "test_certificates.hpp"

using namespace std::chrono_literals;
using corio::net::StreamReader;
using corio::net::StreamWriter;
using corio::net::UnixStream;
using corio_test::test_file;

namespace {

const auto* const g_environment =
    ::testing::AddGlobalTestEnvironment(new corio_test::CertificateEnvironment);

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

// Parity: test_read_zero / test_read / test_read_line_breaks.
TEST(StreamReader, ReadZeroReturnsAtOnceAndReadNReturnsWhatHasArrived) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    auto nothing = corio::spawn(pipe.reader.read(0));
    co_await corio::yield_now();
    EXPECT_TRUE(nothing.done()) << "read(0) waited for data";
    EXPECT_EQ(co_await nothing, "");
    pipe.writer.write("line1");
    EXPECT_EQ(co_await pipe.reader.read(30), "line1");  // does not wait for 30 bytes
    pipe.writer.write("line2line3");
    EXPECT_EQ(co_await pipe.reader.read(5), "line2");
    EXPECT_EQ(co_await pipe.reader.read(0), "");
    EXPECT_EQ(pipe.reader.buffered(), 5u);
    EXPECT_EQ(co_await pipe.reader.read(100), "line3");
  });
}

// Parity: test_readline_limit: the limit counts the line without its newline, and an
// overlong line is dropped through its newline, so the next readline gets the next line.
TEST(StreamReader, ReadlineOverTheLimitDropsTheLineThroughItsNewline) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(7);
    pipe.writer.write("1234567\n12345678\nok\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "1234567\n");  // exactly the limit: fine
    EXPECT_THROW(co_await pipe.reader.readline(), corio::net::LimitOverrunError);
    EXPECT_EQ(co_await pipe.reader.readline(), "ok\n");
  });
}

// Parity: test_readline_limit_with_existing_data, second half: with no newline in sight, the
// whole buffer goes, and the line's tail is what the next read sees.
TEST(StreamReader, ReadlineOverTheLimitWithoutNewlineDropsTheBuffer) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(3);
    pipe.writer.write("abcdefgh");
    EXPECT_THROW(co_await pipe.reader.readline(), corio::net::LimitOverrunError);
    EXPECT_EQ(pipe.reader.buffered(), 0u);
    pipe.writer.write("ij\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "ij\n");
  });
}

// Parity: test_readuntil_limit_found_sep: "limit" bounds the bytes before the separator, and
// the error leaves the bytes buffered with consumed() saying how far the search got.
TEST(StreamReader, ReaduntilLimitCountsTheBytesBeforeTheSeparator) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(4);
    pipe.writer.write("abcd\r\nabcde\r\n");
    EXPECT_EQ(co_await pipe.reader.readuntil("\r\n"), "abcd\r\n");
    try {
      co_await pipe.reader.readuntil("\r\n");
      ADD_FAILURE() << "no LimitOverrunError";
    } catch (const corio::net::LimitOverrunError& e) {
      EXPECT_EQ(e.consumed(), 5u);
    }
    EXPECT_EQ(co_await pipe.reader.readexactly(7), "abcde\r\n");

    auto other = make_pipe(3);
    other.writer.write("some dataAA");
    try {
      co_await other.reader.readuntil("AAA");
      ADD_FAILURE() << "no LimitOverrunError";
    } catch (const corio::net::LimitOverrunError& e) {
      EXPECT_EQ(e.consumed(), 9u);  // the last two bytes may start the separator
    }
    EXPECT_EQ(other.reader.buffered(), 11u);
  });
}

// A separator whose first bytes arrive at the limit may still complete within it.
TEST(StreamReader, ReaduntilWaitsForASeparatorThatStartsAtTheLimit) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(4);
    pipe.writer.write("abcd\r");
    auto rest = corio::spawn([&]() -> corio::Task<> {
      co_await corio::sleep(2ms);
      pipe.writer.write("\n");
    });
    EXPECT_EQ(co_await pipe.reader.readuntil("\r\n"), "abcd\r\n");
    co_await rest;
  });
}

// Parity: test_readuntil_eof: the partial bytes (a partial separator included) are consumed.
TEST(StreamReader, ReaduntilAtEofRaisesIncompleteReadAndConsumesTheRest) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    pipe.writer.write("some dataAA");
    pipe.writer.write_eof();
    try {
      co_await pipe.reader.readuntil("AAA");
      ADD_FAILURE() << "no IncompleteReadError";
    } catch (const corio::net::IncompleteReadError& e) {
      EXPECT_EQ(e.partial(), "some dataAA");
    }
    EXPECT_TRUE(pipe.reader.at_eof());
  });
}

// Parity: test_readexactly_zero_or_less / test_readexactly_limit.
TEST(StreamReader, ReadexactlyZeroAndBeyondTheLimit) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe(3);
    auto nothing = corio::spawn(pipe.reader.readexactly(0));
    co_await corio::yield_now();
    EXPECT_TRUE(nothing.done()) << "readexactly(0) waited for data";
    EXPECT_EQ(co_await nothing, "");
    pipe.writer.write("chunk");
    EXPECT_EQ(co_await pipe.reader.readexactly(5), "chunk");
  });
}

// Parity: test_at_eof, and what each read returns once the stream is over.
TEST(StreamReader, AtEofAndEveryReadAfterEof) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    EXPECT_FALSE(pipe.reader.at_eof());
    pipe.writer.write("some data\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "some data\n");
    EXPECT_FALSE(pipe.reader.at_eof());
    pipe.writer.write("more\n");
    pipe.writer.write_eof();
    EXPECT_EQ(co_await pipe.reader.readline(), "more\n");
    EXPECT_FALSE(pipe.reader.at_eof());  // EOF not seen yet
    EXPECT_EQ(co_await pipe.reader.read(), "");
    EXPECT_TRUE(pipe.reader.at_eof());
    EXPECT_EQ(co_await pipe.reader.read(10), "");
    EXPECT_EQ(co_await pipe.reader.readline(), "");
    EXPECT_EQ(co_await pipe.reader.readexactly(0), "");
    EXPECT_THROW(co_await pipe.reader.readexactly(1), corio::net::IncompleteReadError);
    EXPECT_THROW(co_await pipe.reader.readuntil("\n"), corio::net::IncompleteReadError);
  });
}

// Parity: test_eof_feed_when_closing_writer (bpo-35065): once the writer of the same
// connection has closed it, the reader is at EOF and reads return "".
TEST(StreamReader, ClosingTheWriterOfTheSameConnectionPutsTheReaderAtEof) {
  corio::run([]() -> corio::Task<> {
    auto [a, b] = UnixStream::pair();
    auto transport = std::make_shared<UnixStream>(std::move(a));
    StreamReader reader(transport);
    StreamWriter writer(transport);
    EXPECT_FALSE(reader.at_eof());
    writer.close();
    co_await writer.wait_closed();
    EXPECT_TRUE(reader.at_eof());
    EXPECT_EQ(co_await reader.read(), "");
  });
}

namespace {

// Hands out `chunks`, then fails once with ECONNRESET, then reports EOF.
class FailingTransport final : public corio::net::Transport {
 public:
  explicit FailingTransport(std::vector<std::string> chunks) : chunks_(std::move(chunks)) {}
  int reads = 0;

  corio::Task<std::size_t> read_some(std::span<std::byte> buffer) override {
    ++reads;
    co_await corio::yield_now();
    if (next_ < chunks_.size()) {
      const std::string& chunk = chunks_[next_++];
      std::memcpy(buffer.data(), chunk.data(), chunk.size());
      co_return chunk.size();
    }
    if (!failed_) {
      failed_ = true;
      throw corio::net::ConnectionResetError(ECONNRESET, "read from test: reset");
    }
    co_return 0;
  }
  corio::Task<std::size_t> write_some(std::span<const std::byte> data) override {
    co_return data.size();
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return false; }
  void write_eof() override {}
  corio::Task<> aclose() override { co_return; }
  void close() noexcept override {}
  [[nodiscard]] bool is_open() const noexcept override { return true; }
  [[nodiscard]] corio::net::SocketAddress local_address() const override { return address_; }
  [[nodiscard]] const corio::net::SocketAddress& peer_address() const noexcept override {
    return address_;
  }

 private:
  std::vector<std::string> chunks_;
  std::size_t next_ = 0;
  bool failed_ = false;
  corio::net::SocketAddress address_ = corio::net::SocketAddress::parse("127.0.0.1", 9);
};

}  // namespace

// Parity: test_exception / test_read_exception / test_readexactly_exception: the reader keeps
// the error, and every later read raises it, even with bytes still buffered.
TEST(StreamReader, ATransportErrorIsKeptAndRaisedByEveryLaterRead) {
  corio::run([]() -> corio::Task<> {
    auto transport = std::make_shared<FailingTransport>(std::vector<std::string>{"abc"});
    StreamReader reader(transport);
    EXPECT_EQ(reader.exception(), nullptr);
    EXPECT_THROW(co_await reader.readexactly(5), corio::net::ConnectionResetError);
    EXPECT_NE(reader.exception(), nullptr);
    EXPECT_EQ(reader.buffered(), 3u);
    EXPECT_THROW(co_await reader.read(2), corio::net::ConnectionResetError);
    EXPECT_THROW(co_await reader.readline(), corio::net::ConnectionResetError);
    EXPECT_THROW(co_await reader.readexactly(1), corio::net::ConnectionResetError);
    EXPECT_EQ(transport->reads, 2);  // the later reads did not ask the transport again
  });
}

// asyncio raises RuntimeError when a second coroutine waits for data on the same reader.
TEST(StreamReader, ASecondTaskWaitingForDataRaisesRuntimeError) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    auto first = corio::spawn(pipe.reader.readline());
    for (int i = 0; i < 4; ++i) co_await corio::yield_now();
    EXPECT_THROW(co_await pipe.reader.readline(), corio::RuntimeError);
    pipe.writer.write("for the first\n");
    EXPECT_EQ(co_await first, "for the first\n");
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

// A transport that takes bytes only as the test grants them, so that the writer's queue
// shrinks in steps the test chooses. Reads see end of stream.
class MeteredTransport final : public corio::net::Transport {
 public:
  void grant(std::size_t bytes) {
    credit_ += bytes;
    credit_arrived_.set();
  }

  corio::Task<std::size_t> read_some(std::span<std::byte>) override { co_return 0; }
  corio::Task<std::size_t> write_some(std::span<const std::byte> data) override {
    while (credit_ == 0) {
      credit_arrived_.clear();
      co_await credit_arrived_.wait();
    }
    const std::size_t n = std::min(credit_, data.size());
    credit_ -= n;
    co_return n;
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return false; }
  void write_eof() override { throw corio::net::NetworkError(ENOTSUP, "no half-close"); }
  corio::Task<> aclose() override {
    close();
    co_return;
  }
  void close() noexcept override { open_ = false; }
  [[nodiscard]] bool is_open() const noexcept override { return open_; }
  [[nodiscard]] corio::net::SocketAddress local_address() const override { return address_; }
  [[nodiscard]] const corio::net::SocketAddress& peer_address() const noexcept override {
    return address_;
  }

 private:
  std::size_t credit_ = 0;
  corio::Event credit_arrived_;
  bool open_ = true;
  corio::net::SocketAddress address_ = corio::net::SocketAddress::parse("127.0.0.1", 9);
};

// Lets the writer's sending task and a drain() in progress react to a grant.
corio::Task<> settle() {
  for (int i = 0; i < 8; ++i) co_await corio::yield_now();
}

}  // namespace

// Parity: asyncio's write buffer limits (high 64 KiB, low 16 KiB). drain() does not wait
// while the queue is at or below the high-water mark; once above it, it waits until the queue
// is down to the low-water mark, not merely below the high one.
TEST(StreamWriter, DrainAboveTheHighWaterMarkReturnsAtTheLowWaterMark) {
  corio::run([]() -> corio::Task<> {
    constexpr std::size_t kStep = 4096;
    auto transport = std::make_shared<MeteredTransport>();
    StreamWriter writer(transport);

    writer.write(std::string(StreamWriter::kHighWater, 'a'));
    auto at_high = corio::spawn(writer.drain());
    co_await settle();
    EXPECT_TRUE(at_high.done()) << "drain() waited with the queue at the high-water mark";
    co_await at_high;

    writer.write(std::string(32 * 1024, 'b'));
    co_await settle();
    EXPECT_EQ(writer.buffered(), StreamWriter::kHighWater + 32 * 1024);
    std::optional<std::size_t> buffered_on_return;
    auto draining = corio::spawn([&]() -> corio::Task<> {
      co_await writer.drain();
      buffered_on_return = writer.buffered();
    });
    bool waited_between_the_marks = false;
    for (int step = 0; step < 100 && !draining.done(); ++step) {
      transport->grant(kStep);
      co_await settle();
      const std::size_t left = writer.buffered();
      if (!draining.done() && left <= StreamWriter::kHighWater) {
        EXPECT_GT(left, StreamWriter::kLowWater) << "drain() still waits at the low-water mark";
        waited_between_the_marks = true;
      }
    }
    co_await draining;
    EXPECT_TRUE(waited_between_the_marks);
    EXPECT_EQ(buffered_on_return, StreamWriter::kLowWater);  // returned at the first chance

    transport->grant(StreamWriter::kLowWater);
    writer.close();
    co_await writer.wait_closed();
    EXPECT_EQ(writer.buffered(), 0u);
  });
}

// Parity: test_multiple_drain (gh-74116): every task waiting in drain() wakes.
TEST(StreamWriter, EveryTaskWaitingInDrainWakes) {
  corio::run([]() -> corio::Task<> {
    auto transport = std::make_shared<MeteredTransport>();
    StreamWriter writer(transport);
    writer.write(std::string(2 * StreamWriter::kHighWater, 'm'));
    int drained = 0;
    std::vector<corio::JoinHandle<>> drainers;
    for (int i = 0; i < 10; ++i) {
      drainers.push_back(corio::spawn([&]() -> corio::Task<> {
        co_await writer.drain();
        ++drained;
      }));
    }
    co_await settle();
    EXPECT_EQ(drained, 0);
    transport->grant(2 * StreamWriter::kHighWater);
    for (auto& drainer : drainers) co_await drainer;
    EXPECT_EQ(drained, 10);
  });
}

// Parity: test_async_writer_api_exception_after_close / test_wait_closed_on_close: after
// close(), writing and draining raise ConnectionResetError.
TEST(StreamWriter, WriteAndDrainAfterCloseRaiseConnectionReset) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    EXPECT_FALSE(pipe.writer.is_closing());
    pipe.writer.close();
    EXPECT_TRUE(pipe.writer.is_closing());
    EXPECT_THROW(co_await pipe.writer.drain(), corio::net::ConnectionResetError);
    co_await pipe.writer.wait_closed();
    EXPECT_THROW(pipe.writer.write("data"), corio::net::ConnectionResetError);
    EXPECT_THROW(co_await pipe.writer.drain(), corio::net::ConnectionResetError);
  });
}

TEST(StreamWriter, WritelinesWritesEachElementInOrder) {
  corio::run([]() -> corio::Task<> {
    auto pipe = make_pipe();
    const std::vector<std::string> parts{"one ", "two ", "three\n"};
    pipe.writer.writelines(parts);
    const std::array<const char*, 2> more{"four ", "five\n"};
    pipe.writer.writelines(more);
    EXPECT_EQ(co_await pipe.reader.readline(), "one two three\n");
    EXPECT_EQ(co_await pipe.reader.readline(), "four five\n");
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

TEST(Streams, ServeForeverReturnsWhenAnotherTaskClosesTheServer) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(echo_lines, "127.0.0.1", 0);
    const auto port = server.sockets().at(0).port();
    bool returned = false;
    auto serving = corio::spawn([&]() -> corio::Task<> {
      co_await server.serve_forever();
      returned = true;
    });
    auto closing = corio::spawn([&]() -> corio::Task<> {
      co_await corio::sleep(2ms);
      server.close();
    });
    co_await serving;  // returns normally: no CancelledError
    co_await closing;
    EXPECT_TRUE(returned);
    EXPECT_FALSE(server.is_serving());
    co_await server.wait_closed();
    EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", port),
                 corio::net::ConnectionRefusedError);
  });
}

namespace {

std::shared_ptr<corio::net::TlsContext> tls_server(const std::string& certificate) {
  corio::net::TlsServerOptions options;
  options.cert_file = test_file(certificate + ".crt");
  options.key_file = test_file(certificate + ".key");
  return corio::net::TlsContext::server(std::move(options));
}

std::shared_ptr<corio::net::TlsContext> tls_client() {
  corio::net::TlsClientOptions options;
  options.ca_file = test_file("ca.crt");
  return corio::net::TlsContext::client(std::move(options));
}

// What a TLS server saw of each connection.
struct TlsSighting {
  std::string server_name;  // the SNI name the client sent
  std::string version;
};

// start_server(ssl=...) with `certificate`; each connection records what it saw, then
// echoes lines.
corio::Task<corio::net::Server> start_tls_echo(const std::string& certificate,
                                               std::vector<TlsSighting>& seen) {
  corio::net::ServerOptions options;
  options.ssl = tls_server(certificate);
  options.ssl_handshake_timeout = 5s;
  auto handler = [&seen](StreamReader reader, StreamWriter writer) -> corio::Task<> {
    const auto* tls = dynamic_cast<const corio::net::TlsStream*>(writer.transport().get());
    seen.push_back(tls != nullptr ? TlsSighting{tls->server_hostname(), tls->tls_version()}
                                  : TlsSighting{"(not TLS)", ""});
    co_await echo_lines(std::move(reader), std::move(writer));
  };
  auto server = co_await corio::net::start_server(handler, "127.0.0.1", 0, std::move(options));
  co_return server;
}

// open_connection to 127.0.0.1 over TLS, verifying `server_hostname` (empty: the host).
corio::Task<std::pair<StreamReader, StreamWriter>> open_tls(std::uint16_t port,
                                                            std::string server_hostname) {
  corio::net::OpenConnectionOptions options;
  options.ssl = tls_client();
  options.server_hostname = std::move(server_hostname);
  options.ssl_handshake_timeout = 5s;
  auto halves = co_await corio::net::open_connection("127.0.0.1", port, std::move(options));
  co_return halves;
}

}  // namespace

// Parity: test_drain_raises (bpo-25441): writing to a peer that closed the connection ends
// in a ConnectionError from drain(), not in an endless loop.
TEST(Streams, DrainRaisesOnceThePeerHasClosedTheConnection) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(
        [](StreamReader, StreamWriter) -> corio::Task<> { co_return; }, "127.0.0.1", 0);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port());
    EXPECT_EQ(co_await reader.read(), "");  // the server has closed its end
    bool raised = false;
    try {
      for (int i = 0; i < 10'000'000; ++i) {
        writer.write("foo\n");
        co_await writer.drain();
      }
    } catch (const corio::net::ConnectionError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    EXPECT_TRUE(writer.is_closing());
    writer.close();
    EXPECT_THROW(co_await writer.wait_closed(), corio::net::ConnectionError);
    server.close();
    co_await server.wait_closed();
  });
}

// write_eof() half-closes: the server reads EOF and its answer still arrives. The two
// ends' addresses are asyncio's get_extra_info('peername') / ('sockname').
TEST(Streams, WriteEofHalfClosesAndTheAnswerStillArrives) {
  corio::run([]() -> corio::Task<> {
    std::optional<corio::net::SocketAddress> server_saw;
    auto handler = [&server_saw](StreamReader reader, StreamWriter writer) -> corio::Task<> {
      server_saw = writer.peer_address();
      const std::string all = co_await reader.read();
      writer.write("got " + std::to_string(all.size()) + " bytes");
      co_await writer.drain();
    };
    auto server = co_await corio::net::start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port());
    EXPECT_EQ(writer.peer_address(), server.sockets().at(0));
    EXPECT_EQ(writer.local_address().ip(), "127.0.0.1");
    EXPECT_TRUE(writer.can_write_eof());
    writer.write("abc");
    writer.write_eof();
    EXPECT_THROW(writer.write("late"), corio::net::NetworkError);
    EXPECT_EQ(co_await reader.read(), "got 3 bytes");
    EXPECT_TRUE(reader.at_eof());
    EXPECT_EQ(server_saw, writer.local_address());
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  });
}

// Python 3.12+: wait_closed() returns only once every connection has ended, not when the
// listening sockets are closed.
TEST(Streams, WaitClosedAfterCloseWaitsForConnectedClients) {
  corio::run([]() -> corio::Task<> {
    auto server = co_await corio::net::start_server(echo_lines, "127.0.0.1", 0);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port());
    writer.write("hi\n");
    EXPECT_EQ(co_await reader.readline(), "hi\n");
    server.close();
    auto waiting = corio::spawn(server.wait_closed());
    co_await corio::sleep(20ms);
    EXPECT_FALSE(waiting.done()) << "wait_closed() returned with a client still connected";
    writer.write("still served\n");  // close() leaves the connection alone
    EXPECT_EQ(co_await reader.readline(), "still served\n");
    writer.close();
    co_await writer.wait_closed();
    co_await waiting;
  });
}

namespace {

// A server whose handler queues `size` bytes (without drain) and then waits for EOF.
struct QueuingServer {
  corio::Event queued;
  std::optional<corio::net::Server> server;
};

corio::Task<> start_queuing_server(QueuingServer& out, std::size_t size) {
  auto handler = [&out, size](StreamReader reader, StreamWriter writer) -> corio::Task<> {
    writer.write(std::string(size, 'q'));
    out.queued.set();
    (void)co_await reader.read();
  };
  out.server.emplace(co_await corio::net::start_server(handler, "127.0.0.1", 0));
}

// Reads until EOF or an error; the byte count.
corio::Task<std::size_t> count_until_closed(StreamReader& reader) {
  std::size_t total = 0;
  try {
    for (;;) {
      const std::string got = co_await reader.read(64 * 1024);
      if (got.empty()) break;
      total += got.size();
    }
  } catch (const corio::net::ConnectionError&) {
  }
  co_return total;
}

constexpr std::size_t kQueued = 16 * 1024 * 1024;  // well beyond the kernel's buffers

}  // namespace

// Python 3.13's close_clients(): each connection is closed as its writer's close() does, so
// what the handler queued still reaches the client before EOF.
TEST(Streams, CloseClientsSendsWhatWasQueuedThenCloses) {
  corio::run([]() -> corio::Task<> {
    QueuingServer queuing;
    co_await start_queuing_server(queuing, kQueued);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", queuing.server->sockets().at(0).port());
    co_await queuing.queued.wait();
    queuing.server->close_clients();
    EXPECT_EQ(co_await count_until_closed(reader), kQueued);
    co_await queuing.server->wait_closed();
  });
}

// Python 3.13's abort_clients(): connections close at once and queued bytes are dropped,
// without a report for the handlers' broken writes.
TEST(Streams, AbortClientsClosesAtOnceAndDropsWhatWasQueued) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    QueuingServer queuing;
    co_await start_queuing_server(queuing, kQueued);
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", queuing.server->sockets().at(0).port());
    co_await queuing.queued.wait();
    queuing.server->abort_clients();
    co_await queuing.server->wait_closed();
    EXPECT_LT(co_await count_until_closed(reader), kQueued);
  });
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
}

// Parity: a refused connection raises ConnectionRefusedError naming the address.
TEST(Streams, OpenConnectionToAClosedPortRaisesConnectionRefusedNamingIt) {
  corio::run([]() -> corio::Task<> {
    std::uint16_t port = 0;
    {
      auto listener =
          corio::net::TcpListener::bind(corio::net::SocketAddress::parse("127.0.0.1", 0));
      port = listener.local_address().port();
    }
    try {
      co_await corio::net::open_connection("127.0.0.1", port);
      ADD_FAILURE() << "connected to a closed port";
    } catch (const corio::net::ConnectionRefusedError& e) {
      EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(port)), std::string::npos)
          << e.what();
    }
  });
}

// asyncio.wait_for(open_connection(...), t): here options.timeout.
TEST(Streams, OpenConnectionTimeoutRaisesTimeoutError) {
  corio::run(
      []() -> corio::Task<> {
        corio_test::Blackhole hole = co_await corio_test::blackhole("127.0.0.1");
        corio::net::OpenConnectionOptions options;
        options.timeout = 2s;
        corio::Loop& loop = corio::Loop::current();
        const auto start = loop.now();
        EXPECT_THROW(co_await corio::net::open_connection("127.0.0.1", hole.address().port(),
                                                          std::move(options)),
                     corio::TimeoutError);
        EXPECT_EQ(loop.now() - start, 2s);
      },
      {.virtual_time = true});
}

// Parity: test_streams.py test_open_connection_no_loop_ssl / test_start_server with ssl.
TEST(Streams, OpenConnectionWithSslTalksToAStartServerWithSsl) {
  corio::run([]() -> corio::Task<> {
    std::vector<TlsSighting> seen;
    auto server = co_await start_tls_echo("server", seen);
    auto [reader, writer] = co_await open_tls(server.sockets().at(0).port(), "localhost");
    const auto* tls = dynamic_cast<const corio::net::TlsStream*>(writer.transport().get());
    EXPECT_NE(tls, nullptr);
    EXPECT_FALSE(writer.can_write_eof());  // asyncio's SSL transport cannot half-close
    writer.write("secret\n");
    EXPECT_EQ(co_await reader.readline(), "secret\n");
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
    EXPECT_EQ(seen.size(), 1u);
    for (const TlsSighting& sighting : seen) {
      EXPECT_EQ(sighting.server_name, "localhost");
      EXPECT_FALSE(sighting.version.empty());
    }
  });
}

// The connection goes to 127.0.0.1; the certificate names only wrong.example. Checking it
// against the host fails; server_hostname makes it the name sent (SNI) and checked.
TEST(Streams, ServerHostnameIsTheNameSentAndVerifiedNotTheConnectHost) {
  testing::internal::CaptureStderr();
  corio::run([]() -> corio::Task<> {
    std::vector<TlsSighting> seen;
    auto server = co_await start_tls_echo("wrong_host", seen);
    const auto port = server.sockets().at(0).port();
    EXPECT_THROW(co_await open_tls(port, ""), corio::net::TlsError);
    EXPECT_THROW(co_await open_tls(port, "localhost"), corio::net::TlsError);
    auto [reader, writer] = co_await open_tls(port, "wrong.example");
    writer.write("named\n");
    EXPECT_EQ(co_await reader.readline(), "named\n");
    writer.close();
    co_await writer.wait_closed();
    server.close_clients();
    co_await server.wait_closed();
    EXPECT_FALSE(seen.empty());
    if (!seen.empty()) {
      EXPECT_EQ(seen.back().server_name, "wrong.example");
    }
  });
  // The server reports each refused handshake, as asyncio logs it.
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("TLS handshake with 127.0.0.1"), std::string::npos) << err;
}

// asyncio's local_addr: the client binds 127.0.0.2 first, and the server sees it as the peer.
TEST(Streams, OpenConnectionBindsTheLocalAddressTheServerThenSees) {
  corio::run([]() -> corio::Task<> {
    std::optional<corio::net::SocketAddress> peer_seen;
    auto handler = [&peer_seen](StreamReader reader, StreamWriter writer) -> corio::Task<> {
      peer_seen = writer.peer_address();
      co_await echo_lines(std::move(reader), std::move(writer));
    };
    auto server = co_await corio::net::start_server(handler, "127.0.0.1", 0);
    corio::net::OpenConnectionOptions options;
    options.local_addr = corio::net::SocketAddress::parse("127.0.0.2", 0);
    auto [reader, writer] = co_await corio::net::open_connection(
        "127.0.0.1", server.sockets().at(0).port(), std::move(options));
    writer.write("from .2\n");
    EXPECT_EQ(co_await reader.readline(), "from .2\n");
    EXPECT_EQ(writer.local_address().ip(), "127.0.0.2");
    EXPECT_TRUE(peer_seen.has_value());
    if (peer_seen) {
      EXPECT_EQ(*peer_seen, writer.local_address());
    }
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  });
}

// Parity: test_readline_limit: a line longer than open_connection's limit overruns it.
TEST(Streams, OpenConnectionLimitBoundsReadline) {
  corio::run([]() -> corio::Task<> {
    auto handler = [](StreamReader, StreamWriter writer) -> corio::Task<> {
      writer.write("short\n" + std::string(100, 'x') + "\n");
      co_await writer.drain();
    };
    auto server = co_await corio::net::start_server(handler, "127.0.0.1", 0);
    corio::net::OpenConnectionOptions options;
    options.limit = 16;
    auto [reader, writer] = co_await corio::net::open_connection(
        "127.0.0.1", server.sockets().at(0).port(), std::move(options));
    EXPECT_EQ(reader.limit(), 16u);
    EXPECT_EQ(co_await reader.readline(), "short\n");
    EXPECT_THROW(co_await reader.readline(), corio::net::LimitOverrunError);
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  });
}

// start_server's limit reaches each connection's reader, as asyncio's limit= does.
TEST(Streams, StartServerLimitReachesTheHandlersReader) {
  corio::run([]() -> corio::Task<> {
    std::optional<std::size_t> limit_seen;
    bool overran = false;
    auto handler = [&](StreamReader reader, StreamWriter writer) -> corio::Task<> {
      limit_seen = reader.limit();
      try {
        (void)co_await reader.readline();
      } catch (const corio::net::LimitOverrunError&) {
        overran = true;
      }
      writer.write(co_await reader.readline());
      co_await writer.drain();
    };
    corio::net::ServerOptions options;
    options.limit = 16;
    auto server = co_await corio::net::start_server(handler, "127.0.0.1", 0, std::move(options));
    auto [reader, writer] =
        co_await corio::net::open_connection("127.0.0.1", server.sockets().at(0).port());
    writer.write(std::string(40, 'x') + "\nshort\n");
    EXPECT_EQ(co_await reader.readline(), "short\n");
    EXPECT_EQ(limit_seen, 16u);
    EXPECT_TRUE(overran);
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  });
}

// Parity: asyncio's reuse_port=True: a second server binds the port the first one holds.
TEST(Streams, StartServerWithReusePortLetsTwoServersShareAPort) {
  corio::run([]() -> corio::Task<> {
    corio::net::ServerOptions first_options;
    first_options.listen.reuse_port = true;
    auto first =
        co_await corio::net::start_server(echo_lines, "127.0.0.1", 0, std::move(first_options));
    const auto port = first.sockets().at(0).port();
    corio::net::ServerOptions second_options;
    second_options.listen.reuse_port = true;
    auto second =
        co_await corio::net::start_server(echo_lines, "127.0.0.1", port, std::move(second_options));
    EXPECT_EQ(second.sockets().at(0), first.sockets().at(0));
    first.close();
    co_await first.wait_closed();
    // The port is still served, by the second server alone.
    auto [reader, writer] = co_await corio::net::open_connection("127.0.0.1", port);
    writer.write("still served\n");
    EXPECT_EQ(co_await reader.readline(), "still served\n");
    writer.close();
    co_await writer.wait_closed();
    second.close();
    co_await second.wait_closed();
  });
}

namespace {

// The lowest descriptor number free now: the one the next socket() would get.
int lowest_free_fd() {
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(fd);
  return fd;
}

}  // namespace

// Bad hosts are rejected before any system call. Proof: while the call runs, the descriptor
// limit leaves no number free, so a socket (or a resolver's resolv.conf) would have failed
// with EMFILE instead of std::invalid_argument; and nothing is left open afterwards.
TEST(Streams, OpenConnectionRejectsBadHostsBeforeOpeningAnything) {
  const int before = corio_test::open_fd_count();
  corio::run([]() -> corio::Task<> {
    std::vector<std::string> bad_hosts = {
        "",                              // empty
        std::string(254, 'a'),           // over 253 bytes (and a label over 63)
        std::string(64, 'b') + ".test",  // a label over 63 bytes
        "a..b",                          // an empty label
        "::1::2",                        // a malformed IPv6 literal
        "[::1",                          // an unclosed bracket
        std::string("nul\0byte", 8),     // a NUL byte
    };
    // Exceptions are looked at only once the limit is lifted again: the sanitizers' checks
    // on a virtual call need a descriptor of their own.
    std::vector<std::exception_ptr> errors;
    std::exception_ptr good_host_error;
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit none = saved;
    none.rlim_cur = static_cast<rlim_t>(lowest_free_fd());
    ::setrlimit(RLIMIT_NOFILE, &none);
    for (const std::string& host : bad_hosts) {
      try {
        co_await corio::net::open_connection(host, 80);
        errors.emplace_back();
      } catch (...) {
        errors.push_back(std::current_exception());
      }
    }
    // The limit itself blocks sockets: a good host fails for want of a descriptor.
    try {
      co_await corio::net::open_connection("127.0.0.1", 9);
    } catch (...) {
      good_host_error = std::current_exception();
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);

    for (std::size_t i = 0; i < bad_hosts.size(); ++i) {
      std::string outcome = "connected";
      try {
        if (errors[i]) std::rethrow_exception(errors[i]);
      } catch (const std::invalid_argument&) {
        outcome.clear();
      } catch (const std::exception& e) {
        outcome = e.what();
      }
      EXPECT_EQ(outcome, "") << "host #" << i << " of " << bad_hosts[i].size() << " bytes";
    }
    int code = 0;
    try {
      if (good_host_error) std::rethrow_exception(good_host_error);
    } catch (const corio::net::NetworkError& e) {
      code = e.code().value();
    }
    EXPECT_EQ(code, EMFILE);
  });
  EXPECT_EQ(corio_test::open_fd_count(), before);
}
