// src/net/dns.cpp — corio::net::resolve: c-ares driven by the running loop.
//
// Each resolve() builds its own c-ares channel. c-ares reports the sockets it opens through
// the socket-state callback; they are watched with the loop's level-triggered readers and
// writers, and readiness is handed back with ares_process_fd. c-ares' own timeouts
// (retransmissions, giving up) run on a loop timer re-armed from ares_timeout after every
// step. The answer wakes the resolving task through an Event.
#include <corio/net/dns.hpp>

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/net/errors.hpp>
#include <corio/sync/event.hpp>
#include <corio/timeout.hpp>

namespace corio::net {

namespace {

constexpr std::size_t kMaxNameLength = 253;  // RFC 1035: 255 octets on the wire
constexpr std::size_t kMaxLabelLength = 63;

void ensure_library(const std::string& host) {
  static const int status = ares_library_init(ARES_LIB_INIT_ALL);
  if (status != ARES_SUCCESS) {
    throw DnsError(host, std::string("c-ares initialisation failed: ") + ares_strerror(status));
  }
}

// An IP literal (IPv6 possibly in brackets or with a zone), or nullopt for a name.
// Throws std::invalid_argument for something with a colon that is no IPv6 address.
std::optional<SocketAddress> parse_literal(std::string_view host, std::uint16_t port) {
  std::string_view ip = host;
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (ip.find(':') != std::string_view::npos) return SocketAddress::parse(ip, port);
  in_addr v4{};
  if (::inet_pton(AF_INET, std::string(ip).c_str(), &v4) == 1)
    return SocketAddress::parse(ip, port);
  return std::nullopt;
}

void validate_host_name(std::string_view host) {
  if (host.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("host name contains a NUL byte");
  }
  std::string_view name = host;
  if (name.back() == '.') name.remove_suffix(1);  // fully qualified: "example.com."
  if (name.size() > kMaxNameLength) {
    throw std::invalid_argument("host name of " + std::to_string(name.size()) +
                                " bytes is longer than 253");
  }
  for (;;) {
    const auto dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) {
      throw std::invalid_argument("empty label in host name '" + std::string(host) + "'");
    }
    if (label.size() > kMaxLabelLength) {
      throw std::invalid_argument("host name label '" + std::string(label) + "' of " +
                                  std::to_string(label.size()) + " bytes is longer than 63");
    }
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
}

// RFC 6761 §6.3: "localhost" and every name under it ("api.localhost"), in any case and
// fully qualified or not, are never asked of a DNS server. c-ares 1.18 knows only the exact
// lowercase "localhost", and for the hosts file only without the trailing dot.
bool is_localhost(std::string_view host) {
  constexpr std::string_view kLocalhost = "localhost";
  if (host.back() == '.') host.remove_suffix(1);
  if (host.size() < kLocalhost.size()) return false;
  const std::string_view last = host.substr(host.size() - kLocalhost.size());
  if (::strncasecmp(last.data(), kLocalhost.data(), kLocalhost.size()) != 0) return false;
  return host.size() == kLocalhost.size() || host[host.size() - kLocalhost.size() - 1] == '.';
}

// What the hosts file is asked for every localhost name. c-ares matches hosts-file names
// without regard to case, but adds its own loopback answer when the file has none only for
// the lowercase spelling, and that answer leaks 10 bytes (AF_INET6 with no "::1 localhost"
// line). Another spelling keeps c-ares to the file; lookup() supplies the loopback instead.
constexpr const char* kHostsFileLocalhost = "Localhost";

// The loopback addresses of `family`, in RFC 6724 order.
std::vector<SocketAddress> loopback(int family, std::uint16_t port) {
  std::vector<SocketAddress> out;
  if (family != AF_INET) out.push_back(SocketAddress::parse("::1", port));
  if (family != AF_INET6) out.push_back(SocketAddress::parse("127.0.0.1", port));
  return out;
}

void validate_options(const ResolveOptions& options) {
  if (options.family != AF_UNSPEC && options.family != AF_INET && options.family != AF_INET6) {
    throw std::invalid_argument("resolve: unsupported address family " +
                                std::to_string(options.family));
  }
  for (const SocketAddress& server : options.servers) {
    if (!server.is_ipv4() && !server.is_ipv6()) {
      throw std::invalid_argument("a DNS server must be an IP address, not " + server.to_string());
    }
  }
  if (options.attempt_timeout && options.attempt_timeout->count() <= 0) {
    throw std::invalid_argument("resolve: attempt_timeout must be positive");
  }
  if (options.attempts && *options.attempts <= 0) {
    throw std::invalid_argument("resolve: attempts must be positive");
  }
}

// One ares_getaddrinfo on its own channel. Lives in the resolving coroutine's frame and is
// neither copied nor moved: c-ares and the loop's callbacks point at it.
//
// Callbacks that reach it, and why none outlives it:
//   - c-ares' socket-state and result callbacks: run inside ares_getaddrinfo,
//     ares_process_fd and ares_destroy, all called from here; the destructor destroys the
//     channel first (the result callback then sees ARES_EDESTRUCTION and only records it).
//   - loop readers/writers on c-ares' sockets: removed when c-ares closes a socket, and by
//     the destructor for any left. A readiness callback already queued looks its fd up when
//     it runs and finds nothing.
//   - the loop timer: cancelled by the destructor; a cancelled Handle never runs.
class Query {
 public:
  // `hosts_only`: consult the hosts file and never DNS.
  Query(const std::string& host, std::uint16_t port, const ResolveOptions& options, bool hosts_only)
      : loop_(Loop::current()), host_(host), port_(port) {
    ares_options settings{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS;
    settings.sock_state_cb = &Query::on_socket_state;
    settings.sock_state_cb_data = this;
    char lookups[] = "fb";  // the hosts file, then DNS; c-ares copies the string
    if (hosts_only) lookups[1] = '\0';
    settings.lookups = lookups;
    if (options.attempt_timeout) {
      mask |= ARES_OPT_TIMEOUTMS;
      settings.timeout = static_cast<int>(
          std::min<std::chrono::milliseconds::rep>(options.attempt_timeout->count(), 1 << 30));
    }
    if (options.attempts) {
      mask |= ARES_OPT_TRIES;
      settings.tries = *options.attempts;
    }
    const int status = ares_init_options(&channel_, &settings, mask);
    if (status != ARES_SUCCESS) {
      channel_ = nullptr;
      throw DnsError(host_, std::string("cannot set up a resolver: ") + ares_strerror(status));
    }
    if (!options.servers.empty()) {
      try {
        use_servers(options.servers);
      } catch (...) {
        ares_destroy(channel_);  // no socket is open yet: nothing else to undo
        throw;
      }
    }
  }

  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  ~Query() {
    if (channel_ != nullptr) ares_destroy(channel_);  // closes the sockets, ends the query
    timer_.cancel();
    for (const Watch& watch : watched_) {
      if (watch.reading) loop_.remove_reader(watch.fd);
      if (watch.writing) loop_.remove_writer(watch.fd);
    }
  }

  void start(int family) {
    ares_addrinfo_hints hints{};
    hints.ai_family = family;
    ares_getaddrinfo(channel_, host_.c_str(), nullptr, &hints, &Query::on_result, this);
    rearm_timer();
  }

  // co_await query.finished(): until the result callback ran (or a callback failed).
  [[nodiscard]] detail::EventWait finished() noexcept { return done_.wait(); }

  std::vector<SocketAddress> take_result() {
    if (failure_) std::rethrow_exception(failure_);
    if (status_ != ARES_SUCCESS) throw DnsError(host_, ares_strerror(status_));
    if (addresses_.empty()) throw DnsError(host_, ares_strerror(ARES_ENODATA));
    return std::move(addresses_);
  }

 private:
  struct Watch {
    int fd;
    bool reading = false;
    bool writing = false;
  };

  void use_servers(const std::vector<SocketAddress>& servers) {
    std::vector<ares_addr_port_node> nodes(servers.size());
    for (std::size_t i = 0; i < servers.size(); ++i) {
      const SocketAddress& server = servers[i];
      ares_addr_port_node& node = nodes[i];
      node.next = i + 1 < nodes.size() ? &nodes[i + 1] : nullptr;
      node.family = server.family();
      if (server.is_ipv4()) {
        std::memcpy(&node.addr.addr4,
                    &reinterpret_cast<const sockaddr_in*>(server.native())->sin_addr,
                    sizeof node.addr.addr4);
      } else {
        std::memcpy(&node.addr.addr6,
                    &reinterpret_cast<const sockaddr_in6*>(server.native())->sin6_addr,
                    sizeof node.addr.addr6);
      }
      node.udp_port = node.tcp_port = server.port() == 0 ? 53 : server.port();
    }
    const int status = ares_set_servers_ports(channel_, nodes.data());
    if (status != ARES_SUCCESS) {
      throw DnsError(host_,
                     std::string("cannot use the DNS servers given: ") + ares_strerror(status));
    }
  }

  // Hands readiness (or, with two ARES_SOCKET_BADs, the passing of time) to c-ares.
  void process(ares_socket_t read_fd, ares_socket_t write_fd) noexcept {
    ares_process_fd(channel_, read_fd, write_fd);
    rearm_timer();
  }

  void rearm_timer() noexcept {
    timer_.cancel();
    if (done_.is_set()) return;
    timeval next{};
    if (ares_timeout(channel_, nullptr, &next) == nullptr) return;  // nothing in flight
    // c-ares rounds down to milliseconds: one more keeps an early wake-up from spinning.
    const auto delay = std::chrono::seconds(next.tv_sec) + std::chrono::microseconds(next.tv_usec) +
                       std::chrono::milliseconds(1);
    try {
      timer_ = loop_.call_later(delay, [this] { process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
    } catch (...) {
      fail(std::current_exception());
    }
  }

  void fail(std::exception_ptr error) noexcept {
    if (!failure_) failure_ = std::move(error);
    done_.set();
  }

  static void on_socket_state(void* data, ares_socket_t fd, int readable, int writable) noexcept {
    auto* self = static_cast<Query*>(data);
    try {
      self->watch(fd, readable != 0, writable != 0);
    } catch (...) {
      self->fail(std::current_exception());
    }
  }

  void watch(int fd, bool readable, bool writable) {
    auto it =
        std::find_if(watched_.begin(), watched_.end(), [fd](const Watch& w) { return w.fd == fd; });
    if (it == watched_.end()) it = watched_.insert(watched_.end(), Watch{fd});
    if (readable && !it->reading) {
      loop_.add_reader(fd, [this, fd] { process(fd, ARES_SOCKET_BAD); });
      it->reading = true;
    } else if (!readable && it->reading) {
      loop_.remove_reader(fd);
      it->reading = false;
    }
    if (writable && !it->writing) {
      loop_.add_writer(fd, [this, fd] { process(ARES_SOCKET_BAD, fd); });
      it->writing = true;
    } else if (!writable && it->writing) {
      loop_.remove_writer(fd);
      it->writing = false;
    }
    if (!it->reading && !it->writing) watched_.erase(it);
  }

  static void on_result(void* arg, int status, int /*timeouts*/, ares_addrinfo* result) noexcept {
    auto* self = static_cast<Query*>(arg);
    self->status_ = status;
    if (result != nullptr) {
      try {
        for (const ares_addrinfo_node* node = result->nodes; node != nullptr;
             node = node->ai_next) {
          if (node->ai_family != AF_INET && node->ai_family != AF_INET6) continue;
          SocketAddress address = SocketAddress::from_native(node->ai_addr, node->ai_addrlen);
          address.set_port(self->port_);
          if (std::find(self->addresses_.begin(), self->addresses_.end(), address) ==
              self->addresses_.end()) {
            self->addresses_.push_back(address);
          }
        }
      } catch (...) {
        self->failure_ = std::current_exception();
      }
      ares_freeaddrinfo(result);
    }
    self->done_.set();
  }

  Loop& loop_;
  std::string host_;
  std::uint16_t port_;
  ares_channel channel_ = nullptr;
  std::vector<Watch> watched_;
  Handle timer_;
  Event done_;
  int status_ = ARES_SUCCESS;
  std::vector<SocketAddress> addresses_;
  std::exception_ptr failure_;
};

Task<std::vector<SocketAddress>> lookup(const std::string& host, std::uint16_t port,
                                        const ResolveOptions& options) {
  ensure_library(host);
  const bool localhost = is_localhost(host);
  // The hosts file may name localhost's addresses; a name under localhost gets the same.
  Query query(localhost ? std::string(kHostsFileLocalhost) : host, port, options, localhost);
  query.start(options.family);
  co_await query.finished();
  if (!localhost) co_return query.take_result();
  try {
    co_return query.take_result();
  } catch (const DnsError&) {
  }
  co_return loopback(options.family, port);
}

}  // namespace

Task<std::vector<SocketAddress>> resolve(std::string host, std::uint16_t port,
                                         ResolveOptions options) {
  if (host.empty()) throw std::invalid_argument("empty host name");
  validate_options(options);
  if (auto literal = parse_literal(host, port)) {
    if (options.family != AF_UNSPEC && literal->family() != options.family) {
      throw DnsError(host, "address family for hostname not supported");
    }
    co_return std::vector<SocketAddress>{*literal};
  }
  validate_host_name(host);
  if (!options.timeout) co_return co_await lookup(host, port, options);
  co_return co_await corio::timeout(*options.timeout,
                                    [&]() { return lookup(host, port, options); });
}

}  // namespace corio::net
