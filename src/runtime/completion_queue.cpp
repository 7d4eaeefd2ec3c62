// src/runtime/completion_queue.cpp — detail::CompletionQueue (as_completed's engine).
#include <corio/wait.hpp>

namespace corio::detail {

CompletionQueue::CompletionQueue(std::vector<TaskHeader*> tasks)
    : tasks_(std::move(tasks)), nodes_(tasks_.size()), remaining_(tasks_.size()) {
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

void CompletionQueue::on_done(DoneWaiter* waiter, TaskHeader&) noexcept {
  auto* node = static_cast<Node*>(waiter);
  node->owner->finished_.push_back(node->index);
}

Task<std::size_t> CompletionQueue::next(std::optional<Loop::TimePoint> deadline) {
  if (remaining_ == 0) co_return ChildrenWait::npos;
  if (finished_.empty()) {
    std::vector<TaskHeader*> pending;
    for (std::size_t i = 0; i < tasks_.size(); ++i) {
      if (static_cast<ListNode<DoneTag>&>(nodes_[i]).linked()) pending.push_back(tasks_[i]);
    }
    co_await ChildrenWait(pending, WaitMode::first_completed, deadline);
    if (finished_.empty()) throw TimeoutError("as_completed: timed out");
  }
  const std::size_t index = finished_.front();
  finished_.pop_front();
  --remaining_;
  co_return index;
}

}  // namespace corio::detail
