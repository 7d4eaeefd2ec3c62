// src/net/stream_writer.cpp — corio::net::StreamWriter: a queue drained by a sending task.
#include <corio/net/stream_writer.hpp>

#include <cerrno>

#include <corio/net/errors.hpp>
#include <corio/spawn.hpp>
#include <corio/sync/event.hpp>

namespace corio::net {

// write() appends to `queue`; the sending task swaps it into `outgoing` and sends from
// there, so the bytes under a suspended send never move.
struct StreamWriter::State {
  std::shared_ptr<Transport> transport;
  std::string queue;
  std::string outgoing;
  std::size_t sent = 0;  // consumed prefix of outgoing
  std::size_t high_water = kHighWater;
  std::size_t low_water = kLowWater;
  std::exception_ptr error;
  bool sending = false;  // the sending task is running
  bool eof_requested = false;
  bool closing = false;
  bool closed = false;
  Event drained;  // set while the queue is at or below the low-water mark
  Event done;     // set once closed

  std::size_t pending() const noexcept { return queue.size() + outgoing.size() - sent; }
};

namespace {

Task<> send_queued(std::shared_ptr<StreamWriter::State> state) {
  try {
    while (state->pending() > 0) {
      if (state->sent == state->outgoing.size()) {
        state->outgoing.clear();
        state->sent = 0;
        state->outgoing.swap(state->queue);
      }
      const auto chunk = std::as_bytes(
          std::span(state->outgoing.data() + state->sent, state->outgoing.size() - state->sent));
      state->sent += co_await state->transport->write_some(chunk);
      if (state->pending() <= state->low_water) state->drained.set();
    }
    if (state->eof_requested && !state->closing) state->transport->write_eof();
  } catch (const CancelledError&) {
    state->error = std::make_exception_ptr(NetworkError(ECANCELED, "sending was cancelled"));
  } catch (...) {
    state->error = std::current_exception();
  }
  state->sending = false;
  state->drained.set();  // wake drain() to report the error or the empty queue
  if (state->closing) {
    try {
      co_await state->transport->aclose();
    } catch (...) {
      if (!state->error) state->error = std::current_exception();
    }
    state->closed = true;
    state->done.set();
  }
}

void ensure_sending(const std::shared_ptr<StreamWriter::State>& state) {
  if (state->sending) return;
  state->sending = true;
  (void)spawn(send_queued(state), "stream-writer");
}

}  // namespace

StreamWriter::StreamWriter(std::shared_ptr<Transport> transport, std::size_t high_water,
                           std::size_t low_water)
    : state_(std::make_shared<State>()) {
  if (low_water > high_water) {
    throw std::invalid_argument("StreamWriter: low-water mark above the high-water mark");
  }
  state_->transport = std::move(transport);
  state_->high_water = high_water;
  state_->low_water = low_water;
  state_->drained.set();
}

void StreamWriter::write(std::string_view data) {
  if (state_->error) std::rethrow_exception(state_->error);
  if (state_->closing) {
    throw ConnectionResetError(ECONNRESET,
                               "write to " + peer_address().to_string() + " after close");
  }
  if (state_->eof_requested) {
    throw NetworkError(EPIPE, "write to " + peer_address().to_string() + " after write_eof");
  }
  if (data.empty()) return;
  state_->queue.append(data);
  if (state_->pending() > state_->low_water) state_->drained.clear();
  ensure_sending(state_);
}

Task<> StreamWriter::drain() {
  auto state = state_;
  if (state->pending() > state->high_water) {
    while (state->pending() > state->low_water && state->sending && !state->error) {
      co_await state->drained.wait();
      if (state->pending() > state->low_water) state->drained.clear();
    }
  }
  if (state->error) std::rethrow_exception(state->error);
  if (state->closing) {
    throw ConnectionResetError(
        ECONNRESET, "drain to " + state->transport->peer_address().to_string() + " after close");
  }
}

bool StreamWriter::can_write_eof() const noexcept {
  return state_->transport->can_write_eof();
}

void StreamWriter::write_eof() {
  if (state_->error) std::rethrow_exception(state_->error);
  if (state_->eof_requested || state_->closing) return;
  if (!can_write_eof()) {
    throw NetworkError(ENOTSUP, "write_eof on a transport that cannot half-close");
  }
  state_->eof_requested = true;
  if (state_->sending) return;  // the sender half-closes once the queue is empty
  state_->transport->write_eof();
}

void StreamWriter::close() {
  if (state_->closing) return;
  state_->closing = true;
  if (!state_->sending) ensure_sending(state_);  // empty queue: goes straight to aclose()
}

bool StreamWriter::is_closing() const noexcept {
  return state_->closing || state_->error != nullptr;
}

Task<> StreamWriter::wait_closed() {
  auto state = state_;
  if (!state->closing) throw InvalidStateError("wait_closed() before close()");
  co_await state->done.wait();
  if (state->error) std::rethrow_exception(state->error);
}

std::size_t StreamWriter::buffered() const noexcept {
  return state_->pending();
}

const std::shared_ptr<Transport>& StreamWriter::transport() const noexcept {
  return state_->transport;
}

}  // namespace corio::net
