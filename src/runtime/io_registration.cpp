// src/runtime/io_registration.cpp — detail::IoRegistration.
#include <corio/detail/io_registration.hpp>

namespace corio::detail {

void IoRegistration::attach(int descriptor) {
  Loop& loop = Loop::current();
  IoWatcher::fd = descriptor;
  edge = true;
  interest = kReadable | kWritable;
  on_ready = &IoRegistration::on_events;
  ready_ = 0;
  drained_ = false;
  loop.watch(*this);
  loop_ = &loop;
}

void IoRegistration::reset() noexcept {
  if (loop_ == nullptr) return;
  loop_->unwatch(*this);
  loop_ = nullptr;
  // Parked operations resume and find their descriptor gone (a read sees end of stream).
  for (Wait** slot : {&reader_, &writer_}) {
    if (Wait* waiter = std::exchange(*slot, nullptr)) waiter->wake();
  }
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
  Wait*& slot = direction == kReadable ? reg->reader_ : reg->writer_;
  if (slot != nullptr) {
    throw RuntimeError(direction == kReadable ? "corio: another task is already reading"
                                              : "corio: another task is already writing");
  }
  if (!park(self, &Wait::on_cancel)) return false;
  slot = this;
  return true;
}

bool IoRegistration::Wait::on_cancel(Suspension* s) noexcept {
  auto* self = static_cast<Wait*>(s);
  Wait*& slot = self->direction == kReadable ? self->reg->reader_ : self->reg->writer_;
  if (slot == self) slot = nullptr;
  self->wake_cancelled();
  return true;
}

}  // namespace corio::detail
