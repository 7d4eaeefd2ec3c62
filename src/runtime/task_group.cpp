// src/runtime/task_group.cpp — corio::TaskGroup, following asyncio's taskgroups.py rules.
#include <corio/task_group.hpp>

namespace corio {

TaskGroup::TaskGroup() {
  parent_ = detail::current_task_header();
  if (parent_ == nullptr) throw RuntimeError("corio::task_group must run inside a task");
}

TaskGroup::~TaskGroup() {
  for (auto& child : children_) static_cast<detail::ListNode<detail::DoneTag>&>(*child).unlink();
}

void TaskGroup::check_open() const {
  if (finished_) throw RuntimeError("corio: TaskGroup is finished");
  if (aborting_) throw RuntimeError("corio: TaskGroup is shutting down");
}

void TaskGroup::adopt(detail::TaskHeader* task) {
  auto child = std::make_unique<Child>();
  child->group = this;
  child->task = task;
  child->on_done = &TaskGroup::on_child_done;
  task->add_done_waiter(child.get());
  children_.push_back(std::move(child));
  ++live_;
}

void TaskGroup::abort() noexcept {
  aborting_ = true;
  for (auto& child : children_) {
    if (child->task != nullptr) child->task->cancel();  // null: finished, maybe freed
  }
}

void TaskGroup::on_child_done(detail::DoneWaiter* waiter, detail::TaskHeader& task) noexcept {
  auto* child = static_cast<Child*>(waiter);
  TaskGroup* self = child->group;
  child->task = nullptr;  // the group holds no reference: its frame may go once this returns
  --self->live_;
  if (task.failed()) {
    task.mark_retrieved();
    try {
      task.check_result();
    } catch (...) {
      self->errors_.push_back(std::current_exception());
    }
    if (!self->aborting_) self->abort();
    // Interrupt the body, as asyncio does, so that it does not wait for work nobody wants.
    if (!self->exiting_ && !self->parent_cancel_requested_) {
      self->parent_cancel_requested_ = true;
      self->parent_->cancel();
    }
  }
  if (self->live_ == 0 && self->exit_waiter_ != nullptr) {
    ExitAwaiter* waiter_in_exit = std::exchange(self->exit_waiter_, nullptr);
    waiter_in_exit->wake();
  }
}

TaskGroup::ExitAwaiter TaskGroup::begin_exit(std::exception_ptr body_error) noexcept {
  exiting_ = true;
  body_error_ = std::move(body_error);
  if (is_cancelled_error(body_error_)) propagate_cancel_ = body_error_;
  if (body_error_ && !aborting_) abort();
  return ExitAwaiter{{}, this};
}

bool TaskGroup::ExitAwaiter::await_suspend(std::coroutine_handle<> self) noexcept {
  // The children must be waited for whatever happens: a pending cancellation is taken as
  // an outside cancel of the group, not as a reason to stop waiting.
  detail::TaskHeader* current = detail::current_task_header();
  if (current->must_cancel) {
    current->must_cancel = false;
    on_cancel(this);
  }
  task = current;
  cancel = &ExitAwaiter::on_cancel;
  current->park_in(this, self);
  group->exit_waiter_ = this;
  return true;
}

bool TaskGroup::ExitAwaiter::on_cancel(detail::Suspension* s) noexcept {
  TaskGroup* group = static_cast<ExitAwaiter*>(s)->group;
  if (!group->aborting_) group->abort();
  if (!group->propagate_cancel_) {
    group->propagate_cancel_ = std::make_exception_ptr(CancelledError());
  }
  return true;  // keep waiting for the children
}

void TaskGroup::finish() {
  finished_ = true;
  if (parent_cancel_requested_ && parent_->uncancel() == 0) propagate_cancel_ = nullptr;
  if (propagate_cancel_ && errors_.empty()) std::rethrow_exception(propagate_cancel_);
  if (body_error_ && !is_cancelled_error(body_error_)) errors_.push_back(body_error_);
  if (errors_.empty()) return;
  // The errors win over an outside cancel, but that cancel must not be lost: re-arm it so
  // the task raises CancelledError at its next suspension (Python 3.13, gh-116720).
  if (parent_->cancelling() > 0) {
    parent_->uncancel();
    parent_->cancel();
  }
  throw ExceptionGroup("unhandled errors in a TaskGroup", errors_);
}

}  // namespace corio
