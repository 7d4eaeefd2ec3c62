// tests/unit/net_test_support.hpp — what the DNS and connect tests share: a real DNS server
// on loopback (FakeDnsServer), a count of this process's open descriptors, and a listener
// whose connection attempts hang (Blackhole).
#pragma once

#include <arpa/inet.h>
#include <dirent.h>

#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <corio/corio.hpp>
#include <corio/net.hpp>

namespace corio_test {

inline int open_fd_count() {
  int count = 0;
  if (DIR* dir = ::opendir("/proc/self/fd")) {
    while (::readdir(dir) != nullptr) ++count;
    ::closedir(dir);
  }
  return count;
}

// What the server knows about one name.
struct DnsEntry {
  std::vector<std::string> addresses;  // IP literals: IPv4 ones answer A, IPv6 ones AAAA
  bool silent = false;                 // never answer (a server that went away)
  int drop_first = 0;                  // ignore this many queries first (a lost datagram)
};

// An authoritative DNS server speaking RFC 1035 over UDP: it reads each query's question,
// answers A/AAAA from its table (an empty answer for a type it has no address of), NXDOMAIN
// for names it does not know, and nothing at all for silent names. Names match without
// regard to case. Construct it inside a running loop; it serves during serve_during(body).
class FakeDnsServer {
 public:
  explicit FakeDnsServer(std::map<std::string, DnsEntry> table, const char* ip = "127.0.0.1")
      : table_(std::move(table)),
        socket_(corio::net::UdpSocket::bind(corio::net::SocketAddress::parse(ip, 0))) {}

  [[nodiscard]] corio::net::SocketAddress address() const { return socket_.local_address(); }
  // Queries received for `name` (every type), and in all.
  [[nodiscard]] int queries(const std::string& name) const {
    auto it = counts_.find(name);
    return it == counts_.end() ? 0 : it->second;
  }
  [[nodiscard]] int total_queries() const { return total_; }
  // Set once the first query has arrived.
  corio::Event& query_arrived() noexcept { return query_arrived_; }

  // Serves while `body()` runs, then stops; body's exception, if any, passes through.
  template <class F>
  corio::Task<> serve_during(F body) {
    try {
      co_await corio::task_group([&](corio::TaskGroup& group) -> corio::Task<> {
        auto server = group.spawn([this]() -> corio::Task<> { co_await serve(); });
        co_await body();
        server.cancel();
      });
    } catch (const corio::ExceptionGroup& group) {
      if (group.exceptions().size() != 1) throw;
      std::rethrow_exception(group.exceptions().front());
    }
  }

 private:
  using Bytes = std::vector<unsigned char>;

  corio::Task<> serve() {
    std::array<std::byte, 1500> buffer{};
    for (;;) {
      auto [size, from] = co_await socket_.recv_from(buffer);
      const auto* data = reinterpret_cast<const unsigned char*>(buffer.data());
      std::optional<Bytes> reply = answer(std::span(data, size));
      query_arrived_.set();
      if (reply) co_await socket_.send_to(std::as_bytes(std::span(*reply)), from);
    }
  }

  static std::uint16_t read16(std::span<const unsigned char> m, std::size_t at) {
    return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
  }
  static void write16(Bytes& out, unsigned value) {
    out.push_back(static_cast<unsigned char>(value >> 8));
    out.push_back(static_cast<unsigned char>(value));
  }

  // The reply to one query, or nullopt to stay silent (malformed, silent or dropped).
  std::optional<Bytes> answer(std::span<const unsigned char> query) {
    constexpr std::size_t kHeader = 12;
    if (query.size() < kHeader || read16(query, 4) != 1) return std::nullopt;
    std::string name;
    std::size_t at = kHeader;
    for (;;) {
      if (at >= query.size()) return std::nullopt;
      const std::size_t length = query[at++];
      if (length == 0) break;
      if (length > 63 || at + length > query.size()) return std::nullopt;
      if (!name.empty()) name += '.';
      for (std::size_t i = 0; i < length; ++i) {
        name += static_cast<char>(std::tolower(query[at + i]));
      }
      at += length;
    }
    if (at + 4 > query.size()) return std::nullopt;
    const std::uint16_t type = read16(query, at);
    at += 4;  // type and class
    const std::span<const unsigned char> question = query.subspan(kHeader, at - kHeader);

    ++total_;
    const int seen = counts_[name]++;
    auto it = table_.find(name);
    if (it != table_.end() && (it->second.silent || seen < it->second.drop_first)) {
      return std::nullopt;
    }

    constexpr unsigned kTypeA = 1;
    constexpr unsigned kTypeAaaa = 28;
    std::vector<Bytes> records;
    if (it != table_.end()) {
      for (const std::string& ip : it->second.addresses) {
        Bytes rdata(16);
        if (type == kTypeA && ::inet_pton(AF_INET, ip.c_str(), rdata.data()) == 1) {
          rdata.resize(4);
          records.push_back(rdata);
        } else if (type == kTypeAaaa && ::inet_pton(AF_INET6, ip.c_str(), rdata.data()) == 1) {
          records.push_back(rdata);
        }
      }
    }

    constexpr unsigned kNxDomain = 3;
    Bytes reply(query.begin(), query.begin() + 2);  // the query's id
    // QR, the query's opcode and RD, AA; RA and the response code.
    reply.push_back(static_cast<unsigned char>(0x80 | (query[2] & 0x79) | 0x04));
    reply.push_back(static_cast<unsigned char>(0x80 | (it == table_.end() ? kNxDomain : 0)));
    write16(reply, 1);               // questions
    write16(reply, records.size());  // answers
    write16(reply, 0);               // authority
    write16(reply, 0);               // additional
    reply.insert(reply.end(), question.begin(), question.end());
    for (const Bytes& rdata : records) {
      write16(reply, 0xC000 | kHeader);  // the name: a pointer to the question's
      write16(reply, type);
      write16(reply, 1);  // class IN
      write16(reply, 0);  // TTL: 60 s
      write16(reply, 60);
      write16(reply, rdata.size());
      reply.insert(reply.end(), rdata.begin(), rdata.end());
    }
    return reply;
  }

  std::map<std::string, DnsEntry> table_;
  corio::net::UdpSocket socket_;
  std::map<std::string, int> counts_;
  int total_ = 0;
  corio::Event query_arrived_;
};

// A listener on which new connection attempts hang with no traffic leaving the machine: its
// accept queue is full (backlog 0, one connection queued), so the kernel drops further SYNs.
struct Blackhole {
  corio::net::TcpListener listener;
  corio::net::TcpStream queued;
  [[nodiscard]] corio::net::SocketAddress address() const { return listener.local_address(); }
};

inline corio::Task<Blackhole> blackhole(const char* ip) {
  Blackhole hole;
  corio::net::ListenOptions listen;
  listen.backlog = 0;
  hole.listener = corio::net::TcpListener::bind(corio::net::SocketAddress::parse(ip, 0), listen);
  hole.queued = co_await corio::net::TcpStream::connect(hole.listener.local_address());
  co_return hole;
}

}  // namespace corio_test
