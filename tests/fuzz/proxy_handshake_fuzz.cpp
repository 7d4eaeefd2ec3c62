// tests/fuzz/proxy_handshake_fuzz.cpp — socks5_handshake and connect_tunnel against a proxy
// whose answers are arbitrary bytes. The first input byte picks the handshake (bit 0: SOCKS5
// or CONNECT; bit 1: with credentials) and how many bytes each read may return at most
// (bits 2-5, plus one); the rest is everything the proxy ever sends. Each run either
// succeeds or throws ProxyError, nothing else; on success the handshake must have read
// exactly its replies: for SOCKS5 the lengths the replies declare, for CONNECT up to and
// including a CRLF CRLF, never past it.
#include <corio/corio.hpp>
#include <corio/http/proxy.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string_view>

namespace {

// A transport that delivers `input` in reads of at most `chunk` bytes and swallows writes.
class ScriptedTransport : public corio::net::Transport {
 public:
  ScriptedTransport(std::string_view input, std::size_t chunk) : input_(input), chunk_(chunk) {}

  corio::Task<std::size_t> read_some(std::span<std::byte> buffer) override {
    const std::size_t n = std::min({buffer.size(), chunk_, input_.size() - read_});
    std::memcpy(buffer.data(), input_.data() + read_, n);
    read_ += n;
    co_return n;
  }
  corio::Task<std::size_t> write_some(std::span<const std::byte> data) override {
    co_return data.size();
  }
  [[nodiscard]] bool can_write_eof() const noexcept override { return false; }
  void write_eof() override {}
  corio::Task<> aclose() override { co_return; }
  void close() noexcept override {}
  [[nodiscard]] bool is_open() const noexcept override { return true; }
  [[nodiscard]] corio::net::SocketAddress local_address() const override { return {}; }
  [[nodiscard]] const corio::net::SocketAddress& peer_address() const noexcept override {
    return peer_;
  }

  [[nodiscard]] std::size_t bytes_read() const noexcept { return read_; }

 private:
  std::string_view input_;
  std::size_t chunk_;
  std::size_t read_ = 0;
  corio::net::SocketAddress peer_;
};

corio::Task<> run_one(std::uint8_t mode, std::string_view input) {
  ScriptedTransport stream(input, ((mode >> 2) & 0x0F) + 1u);
  const bool socks = (mode & 1) != 0;
  const bool password = (mode & 2) != 0;
  corio::http::Proxy proxy;
  proxy.kind = socks ? corio::http::Proxy::Kind::socks5 : corio::http::Proxy::Kind::http;
  proxy.host = "127.0.0.1";
  proxy.port = 1080;
  if (password) proxy.credentials.emplace("user", "pass");
  bool ok = false;
  try {
    if (socks) {
      co_await corio::http::socks5_handshake(stream, proxy, "example.com", 443);
    } else {
      co_await corio::http::connect_tunnel(stream, proxy, "example.com", 443);
    }
    ok = true;
  } catch (const corio::http::ProxyError&) {
  }
  if (!ok) co_return;
  const std::string_view consumed = input.substr(0, stream.bytes_read());
  if (socks) {
    // Method choice, the RFC 1929 status if password was chosen, then the reply.
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(input.at(i)); };
    std::size_t expected = 2 + (byte(1) == 2 ? 2 : 0);
    const std::uint8_t type = byte(expected + 3);
    expected += 4 + (type == 1 ? 4 : type == 4 ? 16 : 1 + std::size_t{byte(expected + 4)}) + 2;
    if (consumed.size() != expected) std::abort();
  } else if (consumed.size() < 4 || consumed.substr(consumed.size() - 4) != "\r\n\r\n") {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  corio::run(run_one(data[0], input));
  return 0;
}
