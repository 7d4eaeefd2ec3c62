// src/runtime/completion_queue.cpp — detail::CompletionQueue (as_completed's engine).
#include <corio/wait.hpp>

namespace corio::detail {

CompletionQueue::CompletionQueue(std::vector<TaskHeader*> tasks,
                                 std::optional<Loop::TimePoint> deadline)
    : tasks_(std::move(tasks)),
      nodes_(tasks_.size()),
      remaining_(tasks_.size()),
      deadline_(deadline) {
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (tasks_[i]->done()) {
      finished_.push_back(i);
      continue;
    }
    nodes_[i].owner = this;
    nodes_[i].index = i;
    nodes_[i].on_done = &CompletionQueue::on_done;
    tasks_[i]->add_done_waiter(&nodes_[i]);
  }
}

CompletionQueue::~CompletionQueue() {
  for (auto& node : nodes_) static_cast<ListNode<DoneTag>&>(node).unlink();
}

void CompletionQueue::on_done(DoneWaiter* waiter, TaskHeader& task) noexcept {
  auto* node = static_cast<Node*>(waiter);
  CompletionQueue* self = node->owner;
  if (self->deadline_ && task.loop()->now() >= *self->deadline_) return;  // too late
  self->finished_.push_back(node->index);
}

Task<std::size_t> CompletionQueue::next() {
  if (remaining_ == 0) co_return ChildrenWait::npos;
  if (finished_.empty()) {
    std::vector<TaskHeader*> pending;
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (static_cast<ListNode<DoneTag>&>(nodes_[i]).linked()) pending.push_back(tasks_[i]);
    }
    co_await ChildrenWait(pending, WaitMode::first_completed, deadline_);
    if (finished_.empty()) {
      --remaining_;  // this task is accounted for by the TimeoutError, as in asyncio
      throw TimeoutError("as_completed: timed out");
    }
  }
  const std::size_t index = finished_.front();
  finished_.pop_front();
  --remaining_;
  co_return index;
}

}  // namespace corio::detail
