// src/runtime/io_registration.cpp — detail::IoRegistration.
#include <corio/detail/io_registration.hpp>

#include <cerrno>

namespace corio::detail {

void IoRegistration::attach(int descriptor) {
  Loop& loop = Loop::current();
  IoWatcher::fd = descriptor;
  ready_ = 0;
  drained_ = false;
  native_ = loop.has_io_operations();
  if (!native_) {
    edge = true;
    interest = kReadable | kWritable;
    on_ready = &IoRegistration::on_events;
    loop.watch(*this);
  }
  loop_ = &loop;
}

void IoRegistration::reset() noexcept {
  if (loop_ == nullptr) return;
  Loop* loop = std::exchange(loop_, nullptr);
  if (!native_) loop->unwatch(*this);
  for (Wait** slot : {&reader_, &writer_}) {
    Wait* waiter = std::exchange(*slot, nullptr);
    if (waiter == nullptr) continue;
    if (waiter->in_flight) {
      // The kernel may still write into the waiter's buffer: it resumes on the completion.
      waiter->reg = nullptr;
      loop->cancel_io(*waiter);
    } else {
      // Parked on epoll readiness: resumes now and finds the descriptor gone (a read sees
      // end of stream).
      waiter->wake();
    }
  }
}

IoRegistration::Wait IoRegistration::make_wait(Kind kind, std::uint32_t direction, void* data,
                                               std::size_t size) noexcept {
  Wait wait;
  wait.reg = this;
  wait.kind = kind;
  wait.events = direction;
  wait.data = data;
  wait.size = size;
  return wait;
}

void IoRegistration::on_events(IoWatcher* watcher, std::uint32_t events) noexcept {
  auto* self = static_cast<IoRegistration*>(watcher);
  self->ready_ |= events;
  if ((events & kReadable) && self->reader_ != nullptr)
    std::exchange(self->reader_, nullptr)->wake();
  if ((events & kWritable) && self->writer_ != nullptr)
    std::exchange(self->writer_, nullptr)->wake();
}

bool IoRegistration::Wait::await_suspend(std::coroutine_handle<> self) {
  if (reg->loop_ == nullptr) throw RuntimeError("corio: waiting on a closed socket");
  Wait*& slot = events == kReadable ? reg->reader_ : reg->writer_;
  if (slot != nullptr) {
    throw RuntimeError(events == kReadable ? "corio: another task is already reading"
                                           : "corio: another task is already writing");
  }
  if (!park(self, &Wait::on_cancel)) return false;
  if (reg->native_) {
    IoOperation::fd = reg->fd();
    on_complete = &Wait::completed;
    try {
      reg->loop_->start_io(*this);
    } catch (...) {
      task->waiting_on = nullptr;
      throw;
    }
    in_flight = true;
  }
  slot = this;
  return true;
}

bool IoRegistration::Wait::on_cancel(Suspension* s) noexcept {
  auto* self = static_cast<Wait*>(s);
  if (self->in_flight) {
    // Resumes on the completion, which says whether anything was transferred.
    if (!self->cancel_requested) {
      self->cancel_requested = true;
      self->task->loop()->cancel_io(*self);
    }
    return true;
  }
  Wait*& slot = self->events == kReadable ? self->reg->reader_ : self->reg->writer_;
  if (slot == self) slot = nullptr;
  self->wake_cancelled();
  return true;
}

void IoRegistration::Wait::completed(IoOperation* op, int result, bool more) noexcept {
  auto* self = static_cast<Wait*>(op);
  self->in_flight = false;
  self->result = result;
  if (IoRegistration* reg = self->reg) {
    Wait*& slot = self->events == kReadable ? reg->reader_ : reg->writer_;
    if (slot == self) slot = nullptr;
    if (self->kind == Kind::poll) {
      // An error: the owner's next system call reports it.
      reg->ready_ |= result >= 0 ? static_cast<std::uint32_t>(result) : self->events;
    } else if (self->kind == Kind::recv || self->kind == Kind::accept) {
      if (more) {
        reg->ready_ |= kReadable;
      } else {
        reg->ready_ &= ~kReadable;
      }
    }
  }
  // A cancelled wait raises CancelledError unless its operation moved bytes: those must
  // reach the caller (Transfer::await_resume then leaves the cancellation pending).
  const bool transferred = self->kind != Kind::poll && result >= 0;
  if (self->cancel_requested && !transferred) {
    self->wake_cancelled();
  } else {
    self->wake();
  }
}

int IoRegistration::Transfer::await_resume() {
  if (cancelled) throw CancelledError();
  if (cancel_requested) task->must_cancel = true;
  return result;
}

}  // namespace corio::detail
