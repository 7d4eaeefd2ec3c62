// src/runtime/children_wait.cpp — detail::ChildrenWait.
#include <corio/detail/children_wait.hpp>

namespace corio::detail {

ChildrenWait::ChildrenWait(std::span<TaskHeader* const> children, WaitMode mode,
                           std::optional<Loop::TimePoint> deadline, bool shielded)
    : children_(children), mode_(mode), deadline_(deadline), shielded_(shielded) {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (children_[i]->done()) {
      note_done(i, *children_[i]);
    } else {
      ++remaining_;
    }
  }
}

ChildrenWait::ChildrenWait(std::span<TaskHeader*> children, WaitMode mode, ReleaseSucceeded)
    : ChildrenWait(std::span<TaskHeader* const>(children), mode) {
  release_slots_ = children.data();
}

ChildrenWait::~ChildrenWait() {
  finish_wait();
}

bool ChildrenWait::counts_as_failure(const TaskHeader& child) const noexcept {
  if (mode_ == WaitMode::first_exception) return child.failed();
  if (mode_ == WaitMode::first_failure) return child.failed() || child.cancelled();
  return false;
}

void ChildrenWait::note_done(std::size_t index, const TaskHeader& child) noexcept {
  any_done_ = true;
  if (first_failed_ == npos && counts_as_failure(child)) first_failed_ = index;
}

bool ChildrenWait::satisfied() const noexcept {
  if (remaining_ == 0) return true;
  switch (mode_) {
    case WaitMode::first_completed:
      return any_done_;
    case WaitMode::first_exception:
    case WaitMode::first_failure:
      return first_failed_ != npos;
    case WaitMode::all_completed:
      return false;
  }
  return false;
}

bool ChildrenWait::await_ready() noexcept {
  if (deadline_ && deadline_ <= Loop::current().now()) return true;
  return satisfied();
}

bool ChildrenWait::await_suspend(std::coroutine_handle<> self) {
  if (shielded_) {
    TaskHeader* current = current_task_header();
    if (current != nullptr && current->must_cancel) {
      current->must_cancel = false;
      cancel_requested_ = true;
    }
  }
  if (!park(self, &ChildrenWait::on_cancel)) return false;
  if (children_.size() > kInlineNodes) {
    heap_nodes_ = std::make_unique<Node[]>(children_.size());
    nodes_ = heap_nodes_.get();
  }
  for (std::size_t i = 0; i < children_.size(); ++i) {
    if (children_[i]->done()) continue;
    nodes_[i].owner = this;
    nodes_[i].on_done = &ChildrenWait::on_child_done;
    children_[i]->add_done_waiter(&nodes_[i]);
  }
  if (deadline_) {
    when = *deadline_;
    fire = &ChildrenWait::on_deadline;
    task->loop()->add_timer(*this);
  }
  parked_ = true;
  return true;
}

bool ChildrenWait::end_wait() noexcept {
  finish_wait();
  if (shielded_ && cancel_requested_) {
    task->must_cancel = true;  // deferred: raised at the next suspension point
    return false;
  }
  return take_cancellation();
}

void ChildrenWait::finish_wait() noexcept {
  if (!parked_) return;
  parked_ = false;
  for (std::size_t i = 0; i < children_.size(); ++i) {
    static_cast<ListNode<DoneTag>&>(nodes_[i]).unlink();
  }
  if (armed()) task->loop()->cancel_timer(*this);
}

// Runs inside the child's finish(), which still holds the loop's reference to it. Touches
// the child rather than children_ and the waiting task only when the wait is over: this
// runs once per child, usually long after the waiter's memory went cold.
void ChildrenWait::on_child_done(DoneWaiter* waiter, TaskHeader& child) noexcept {
  auto* node = static_cast<Node*>(waiter);
  ChildrenWait* self = node->owner;
  const auto index = static_cast<std::size_t>(node - self->nodes_);
  --self->remaining_;
  self->note_done(index, child);
  if (self->release_slots_ != nullptr && !child.failed() && !child.cancelled()) {
    self->release_slots_[index] = nullptr;
    child.release();
  }
  if (self->parked_ && self->satisfied() && self->task->waiting_on == self) self->wake();
}

void ChildrenWait::on_deadline(TimerEntry* entry) noexcept {
  auto* self = static_cast<ChildrenWait*>(entry);
  if (self->task->waiting_on == self) self->wake();
}

bool ChildrenWait::on_cancel(Suspension* suspension) noexcept {
  auto* self = static_cast<ChildrenWait*>(suspension);
  if (self->shielded_) {
    self->cancel_requested_ = true;
    return true;  // keep waiting
  }
  self->finish_wait();
  self->wake_cancelled();
  return true;
}

}  // namespace corio::detail
