// src/net/streams.cpp — open_connection, start_server and Server.
#include <corio/net/streams.hpp>

#include <cstdio>
#include <iterator>
#include <list>
#include <variant>

#include <corio/net/unix.hpp>
#include <corio/sleep.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>
#include <corio/timeout.hpp>

namespace corio::net {

namespace {

// Coroutines here bind arguments to named locals before co_await: g++ 12 destroys some
// temporaries of a co_await expression twice (seen as "free(): invalid pointer").
Task<std::pair<StreamReader, StreamWriter>> wrap(std::unique_ptr<StreamSocket> socket,
                                                 const OpenConnectionOptions& options,
                                                 const std::string& default_hostname) {
  std::shared_ptr<Transport> transport;
  if (options.ssl) {
    TlsConnectOptions tls;
    tls.server_hostname =
        options.server_hostname.empty() ? default_hostname : options.server_hostname;
    tls.handshake_timeout = options.ssl_handshake_timeout;
    std::shared_ptr<TlsContext> context = options.ssl;
    TlsStream stream =
        co_await TlsStream::connect(std::move(socket), std::move(context), std::move(tls));
    transport = std::make_shared<TlsStream>(std::move(stream));
  } else {
    transport = std::shared_ptr<StreamSocket>(std::move(socket));
  }
  co_return std::pair{StreamReader(transport, options.limit), StreamWriter(transport)};
}

}  // namespace

Task<std::pair<StreamReader, StreamWriter>> open_connection(std::string host, std::uint16_t port,
                                                            OpenConnectionOptions options) {
  ConnectOptions connect;
  connect.tcp.local_address = options.local_addr;
  connect.happy_eyeballs_delay = options.happy_eyeballs_delay;
  connect.timeout = options.timeout;
  connect.resolve = options.resolve;
  TcpStream stream = co_await connect_tcp(host, port, std::move(connect));
  std::unique_ptr<StreamSocket> socket = std::make_unique<TcpStream>(std::move(stream));
  auto halves = co_await wrap(std::move(socket), options, host);
  co_return halves;
}

Task<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path,
                                                                 OpenConnectionOptions options) {
  UnixStream stream = co_await UnixStream::connect(path);
  std::unique_ptr<StreamSocket> socket = std::make_unique<UnixStream>(std::move(stream));
  auto halves = co_await wrap(std::move(socket), options, options.server_hostname);
  co_return halves;
}

Task<std::pair<StreamReader, StreamWriter>> open_connection(std::string host, std::uint16_t port) {
  OpenConnectionOptions options;
  return open_connection(std::move(host), port, std::move(options));
}

Task<std::pair<StreamReader, StreamWriter>> open_unix_connection(std::string path) {
  OpenConnectionOptions options;
  return open_unix_connection(std::move(path), std::move(options));
}

// Listeners, the accept loops, and a count of live connections.
struct Server::State {
  ConnectionHandler handler;
  ServerOptions options;
  std::vector<std::variant<TcpListener, UnixListener>> listeners;
  std::vector<SocketAddress> addresses;
  std::size_t accept_loops = 0;         // still running
  std::list<StreamWriter> connections;  // for close_clients() and abort_clients()
  std::size_t live_connections = 0;
  bool serving = true;
  bool aborted = false;  // abort_clients() was called: closing errors are expected
  Event closed;          // set by close()
  Event loops_done;      // set once every accept loop has returned
  Event all_finished;    // set while no connection handler runs
};

namespace {

void report(const char* what, const std::exception_ptr& error) {
  std::fprintf(stderr, "corio: %s: %s\n", what, describe(error).c_str());
}

Task<> serve_connection(std::shared_ptr<Server::State> state,
                        std::unique_ptr<StreamSocket> socket) {
  std::shared_ptr<Transport> transport;
  auto entry = state->connections.end();
  std::exception_ptr failure;
  try {
    if (state->options.ssl) {
      TlsAcceptOptions tls;
      tls.handshake_timeout = state->options.ssl_handshake_timeout;
      std::shared_ptr<TlsContext> context = state->options.ssl;
      TlsStream stream = co_await TlsStream::accept(std::move(socket), std::move(context), tls);
      transport = std::make_shared<TlsStream>(std::move(stream));
    } else {
      transport = std::shared_ptr<StreamSocket>(std::move(socket));
    }
    StreamWriter writer(transport);
    state->connections.push_back(writer);
    entry = std::prev(state->connections.end());
    StreamReader reader(transport, state->options.limit);
    Task<> handling = state->handler(std::move(reader), writer);
    co_await std::move(handling);
    writer.close();
    co_await writer.wait_closed();
  } catch (const CancelledError&) {
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure && !state->aborted) report("error in connection handler", failure);
  if (transport) transport->close();
  if (entry != state->connections.end()) state->connections.erase(entry);
  if (--state->live_connections == 0) state->all_finished.set();
}

// Runs until close() closes the listener (the parked accept then fails and the loop sees
// that the server stopped serving).
template <class Listener>
Task<> accept_loop(std::shared_ptr<Server::State> state, Listener* listener) {
  while (state->serving) {
    std::unique_ptr<StreamSocket> socket;
    try {
      auto stream = co_await listener->accept();
      socket = std::make_unique<decltype(stream)>(std::move(stream));
    } catch (const NetworkError& e) {
      if (!state->serving) break;
      // EMFILE and friends: report and keep serving after a breath, as asyncio does.
      std::fprintf(stderr, "corio: accept failed: %s\n", e.what());
    }
    if (!socket) {
      co_await corio::sleep(std::chrono::milliseconds(100));
      continue;
    }
    ++state->live_connections;
    state->all_finished.clear();
    (void)spawn(serve_connection(state, std::move(socket)), "connection");
  }
  if (--state->accept_loops == 0) state->loops_done.set();
}

Server start(std::shared_ptr<Server::State> state) {
  state->all_finished.set();
  state->accept_loops = state->listeners.size();
  for (auto& listener : state->listeners) {
    std::visit([&](auto& l) { (void)spawn(accept_loop(state, &l), "accept"); }, listener);
  }
  return Server(std::move(state));
}

}  // namespace

Task<Server> start_server(ConnectionHandler handler, std::string host, std::uint16_t port,
                          ServerOptions options) {
  auto state = std::make_shared<Server::State>();
  state->handler = std::move(handler);
  state->options = std::move(options);
  const auto addresses = co_await resolve(host, port, state->options.resolve);
  std::uint16_t bound_port = port;
  for (SocketAddress address : addresses) {
    if (port == 0 && bound_port != 0) address.set_port(bound_port);  // one port for all
    auto listener = TcpListener::bind(address, state->options.listen);
    state->addresses.push_back(listener.local_address());
    bound_port = state->addresses.back().port();
    state->listeners.emplace_back(std::move(listener));
  }
  co_return start(std::move(state));
}

Task<Server> start_unix_server(ConnectionHandler handler, std::string path, ServerOptions options) {
  auto state = std::make_shared<Server::State>();
  state->handler = std::move(handler);
  state->options = std::move(options);
  auto listener = UnixListener::bind(path, state->options.listen.backlog);
  state->addresses.push_back(listener.local_address());
  state->listeners.emplace_back(std::move(listener));
  co_return start(std::move(state));
}

std::vector<SocketAddress> Server::sockets() const {
  return state_->addresses;
}

bool Server::is_serving() const noexcept {
  return state_->serving;
}

Task<> Server::serve_forever() {
  auto state = state_;
  try {
    co_await state->closed.wait();
  } catch (const CancelledError&) {
    Server(state).close();
    throw;
  }
}

void Server::close() {
  if (!state_->serving) return;
  state_->serving = false;
  for (auto& listener : state_->listeners) std::visit([](auto& l) { l.close(); }, listener);
  state_->closed.set();
}

void Server::close_clients() {
  close();
  for (StreamWriter& writer : state_->connections) writer.close();
}

void Server::abort_clients() {
  close();
  state_->aborted = true;
  for (StreamWriter& writer : state_->connections) writer.transport()->close();
}

Task<> Server::wait_closed() {
  auto state = state_;
  co_await state->closed.wait();
  co_await state->loops_done.wait();
  co_await state->all_finished.wait();
}

}  // namespace corio::net
