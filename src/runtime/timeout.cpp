// src/runtime/timeout.cpp — corio::Timeout, the state machine behind timeout scopes.
#include <corio/timeout.hpp>

namespace corio {

Timeout::~Timeout() {
  if (timer_.armed()) loop_->cancel_timer(timer_);
}

void Timeout::enter() {
  task_ = detail::current_task_header();
  if (task_ == nullptr) throw RuntimeError("corio::timeout must be used inside a task");
  loop_ = task_->loop();
  cancelling_ = task_->cancelling();
  state_ = State::entered;
  timer_.owner = this;
  timer_.fire = &Timeout::on_deadline;
  arm();
}

void Timeout::arm() {
  if (timer_.armed()) loop_->cancel_timer(timer_);
  if (!when_) return;
  timer_.when = *when_;  // a past deadline fires at the loop's next timer check
  loop_->add_timer(timer_);
}

void Timeout::reschedule(std::optional<Loop::TimePoint> when) {
  if (state_ != State::entered) {
    throw RuntimeError("corio::Timeout::reschedule: the scope is not active (state " +
                       std::to_string(static_cast<int>(state_)) + ")");
  }
  when_ = when;
  arm();
}

void Timeout::on_deadline(detail::TimerEntry* entry) noexcept {
  Timeout* self = static_cast<Timer*>(entry)->owner;
  self->state_ = State::expiring;
  self->task_->cancel();
}

bool Timeout::exit(bool cancelled) noexcept {
  if (timer_.armed()) loop_->cancel_timer(timer_);
  if (state_ != State::expiring) {
    state_ = State::exited;
    return false;
  }
  state_ = State::expired;
  // Ours only if no other cancellation is pending beyond those present at entry.
  return task_->uncancel() <= cancelling_ && cancelled;
}

}  // namespace corio
