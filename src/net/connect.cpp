// src/net/connect.cpp — corio::net::connect_tcp, Happy Eyeballs (RFC 8305) on a TaskGroup.
//
// The body of a task_group starts one attempt task per address, staggered; attempts record
// their outcome in a Race and set its `progress` Event. Because the group always waits for
// its children, an attempt cancelled after another won has closed its socket before
// connect_tcp returns, and attempts may refer to the Race in connect_tcp's frame.
#include <corio/net/connect.hpp>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <corio/errors.hpp>
#include <corio/loop.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/task_group.hpp>
#include <corio/timeout.hpp>

namespace corio::net {

namespace {

int first_error_code(const std::vector<ConnectAttemptsError::Attempt>& attempts) {
  for (const auto& attempt : attempts) {
    try {
      std::rethrow_exception(attempt.error);
    } catch (const std::system_error& e) {
      return e.code().value();
    } catch (...) {
    }
  }
  return ECONNABORTED;
}

std::string describe_attempts(const std::string& target,
                              const std::vector<ConnectAttemptsError::Attempt>& attempts) {
  std::string out =
      "connect to " + target + ": all " + std::to_string(attempts.size()) + " attempts failed: ";
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    if (i > 0) out += "; ";
    out += describe(attempts[i].error);
  }
  return out;
}

// RFC 8305 §4 with a First Address Family Count of one: the family of the first address,
// then the other family, alternating; each family keeps its own order.
std::vector<SocketAddress> interleave_families(std::vector<SocketAddress> addresses) {
  const int first_family = addresses.front().family();
  std::vector<SocketAddress> preferred;
  std::vector<SocketAddress> other;
  for (SocketAddress& address : addresses) {
    (address.family() == first_family ? preferred : other).push_back(std::move(address));
  }
  std::vector<SocketAddress> order;
  order.reserve(preferred.size() + other.size());
  for (std::size_t i = 0; i < std::max(preferred.size(), other.size()); ++i) {
    if (i < preferred.size()) order.push_back(std::move(preferred[i]));
    if (i < other.size()) order.push_back(std::move(other[i]));
  }
  return order;
}

// What the attempts share. Every attempt sets `progress` when it ends, failed or connected.
struct Race {
  std::vector<SocketAddress> order;        // addresses in attempt order
  std::vector<std::exception_ptr> errors;  // errors[i]: attempt i failed with it
  std::optional<TcpStream> winner;
  // Held until the group is over: a TaskGroup does not keep a finished child alive, yet
  // reads every child it adopted when it aborts (a timeout after an attempt failed).
  std::vector<JoinHandle<>> attempts;
  std::size_t started = 0;
  std::size_t failed = 0;
  Event progress;
};

Task<> attempt(Race& race, std::size_t index, TcpOptions options) {
  try {
    TcpStream stream = co_await TcpStream::connect(race.order[index], std::move(options));
    if (!race.winner) race.winner.emplace(std::move(stream));  // else: closed right here
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    race.errors[index] = std::current_exception();
    ++race.failed;
  }
  race.progress.set();
}

// Returns when attempt `index` has failed, some attempt has won, or `deadline` has passed.
Task<> wait_before_next(Race& race, std::size_t index, Loop::TimePoint deadline) {
  while (!race.winner && !race.errors[index]) {
    race.progress.clear();
    try {
      co_await timeout_at(deadline, [&race]() -> Task<> { co_await race.progress.wait(); });
    } catch (const TimeoutError&) {
      co_return;
    }
  }
}

Task<TcpStream> race_connections(std::vector<SocketAddress> addresses,
                                 const ConnectOptions& options, const std::string& target) {
  Race race;
  race.order = interleave_families(std::move(addresses));
  race.errors.resize(race.order.size());
  const std::size_t count = race.order.size();
  race.attempts.reserve(count);
  co_await task_group([&](TaskGroup& group) -> Task<> {
    Loop& loop = Loop::current();
    for (std::size_t i = 0; i < count && !race.winner; ++i) {
      race.attempts.push_back(group.spawn(attempt(race, i, options.tcp)));
      ++race.started;
      if (i + 1 < count) {
        co_await wait_before_next(race, i, loop.now() + options.happy_eyeballs_delay);
      }
    }
    while (!race.winner && race.failed < race.started) {
      race.progress.clear();
      co_await race.progress.wait();
    }
    for (JoinHandle<>& handle : race.attempts) handle.cancel();  // the winner's: no-op
  });
  if (race.winner) co_return std::move(*race.winner);
  if (count == 1) std::rethrow_exception(race.errors.front());
  std::vector<ConnectAttemptsError::Attempt> failures;
  failures.reserve(count);
  for (std::size_t i = 0; i < count; ++i) failures.push_back({race.order[i], race.errors[i]});
  throw ConnectAttemptsError(target, std::move(failures));
}

void validate(const ConnectOptions& options) {
  if (options.happy_eyeballs_delay.count() < 0) {
    throw std::invalid_argument("connect_tcp: happy_eyeballs_delay must not be negative");
  }
}

Task<TcpStream> resolve_and_race(const std::string& host, std::uint16_t port,
                                 const ConnectOptions& options) {
  ResolveOptions resolve_options = options.resolve;
  if (options.tcp.local_address && resolve_options.family == AF_UNSPEC) {
    resolve_options.family = options.tcp.local_address->family();
  }
  std::vector<SocketAddress> addresses = co_await resolve(host, port, std::move(resolve_options));
  const bool bracket = host.find(':') != std::string::npos && host.front() != '[';
  const std::string target = (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
  co_return co_await race_connections(std::move(addresses), options, target);
}

}  // namespace

ConnectAttemptsError::ConnectAttemptsError(const std::string& target, std::vector<Attempt> attempts)
    : ConnectionError(first_error_code(attempts), target),
      attempts_(std::move(attempts)),
      message_(describe_attempts(target, attempts_)) {}

Task<TcpStream> connect_tcp(std::string host, std::uint16_t port, ConnectOptions options) {
  validate(options);
  if (!options.timeout) co_return co_await resolve_and_race(host, port, options);
  co_return co_await timeout(*options.timeout,
                             [&]() { return resolve_and_race(host, port, options); });
}

Task<TcpStream> connect_tcp(std::vector<SocketAddress> addresses, ConnectOptions options) {
  validate(options);
  if (addresses.empty()) throw std::invalid_argument("connect_tcp: no address to connect to");
  for (const SocketAddress& address : addresses) {
    if (!address.is_ipv4() && !address.is_ipv6()) {
      throw std::invalid_argument("connect_tcp needs IP addresses, not " + address.to_string());
    }
  }
  const std::string target = addresses.size() == 1
                                 ? addresses.front().to_string()
                                 : std::to_string(addresses.size()) + " addresses";
  if (!options.timeout) co_return co_await race_connections(std::move(addresses), options, target);
  co_return co_await timeout(
      *options.timeout, [&]() { return race_connections(std::move(addresses), options, target); });
}

}  // namespace corio::net
