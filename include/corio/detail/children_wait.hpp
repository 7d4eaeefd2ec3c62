// include/corio/detail/children_wait.hpp — waiting on several tasks at once.
//
// The engine under gather, wait, and TaskGroup: parks the current task until a condition on
// a set of tasks holds, or an optional deadline passes. It never cancels the tasks itself.
#pragma once

#include <coroutine>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>

#include <corio/detail/parking.hpp>
#include <corio/detail/task_header.hpp>
#include <corio/detail/timer.hpp>
#include <corio/loop.hpp>

namespace corio::detail {

enum class WaitMode : std::uint8_t {
  first_completed,  // any task done
  first_exception,  // any task failed (CancelledError does not count), or all done
  first_failure,    // any task failed or was cancelled, or all done
  all_completed,    // every task done
};

// co_await ChildrenWait(...): suspends until `mode` holds (not at all if it already does).
// Cancellation: by default the wait is abandoned (CancelledError; the tasks run on). With
// `shielded`, a cancel request is only remembered: the wait goes on and the request is
// re-armed on the task, so it raises at its next suspension point.
class ChildrenWait : public Parking, public TimerEntry {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  ChildrenWait(std::span<TaskHeader* const> children, WaitMode mode,
               std::optional<Loop::TimePoint> deadline = std::nullopt, bool shielded = false);
  // For a waiter that holds one reference per child and needs nothing from a child that
  // succeeded (gather of void results): such a child's reference is dropped and its slot
  // set to nullptr as it finishes, so its frame is freed while still in cache. Children
  // that fail or are cancelled keep their slot.
  struct ReleaseSucceeded {};
  ChildrenWait(std::span<TaskHeader*> children, WaitMode mode, ReleaseSucceeded);
  ~ChildrenWait();
  ChildrenWait(const ChildrenWait&) = delete;
  ChildrenWait& operator=(const ChildrenWait&) = delete;

  bool await_ready() noexcept;
  bool await_suspend(std::coroutine_handle<> self);
  void await_resume() {
    if (end_wait()) throw CancelledError();
  }
  // await_resume without the throw: true when the wait ended by cancellation.
  [[nodiscard]] bool end_wait() noexcept;

  // Index of the first task whose failure (per mode) ended the wait, else npos.
  [[nodiscard]] std::size_t first_failed() const noexcept { return first_failed_; }

 private:
  struct Node : DoneWaiter {
    ChildrenWait* owner = nullptr;  // the child's index is this node's place in owner->nodes_
  };
  bool satisfied() const noexcept;
  bool counts_as_failure(const TaskHeader& child) const noexcept;
  void note_done(std::size_t index, const TaskHeader& child) noexcept;
  void finish_wait() noexcept;
  static void on_child_done(DoneWaiter* waiter, TaskHeader& child) noexcept;
  static void on_deadline(TimerEntry* entry) noexcept;
  static bool on_cancel(Suspension* self) noexcept;

  static constexpr std::size_t kInlineNodes = 8;

  std::span<TaskHeader* const> children_;
  TaskHeader** release_slots_ = nullptr;  // children_'s array, when succeeded ones are released
  Node* nodes_ = inline_nodes_;           // one per child, inline for small sets
  Node inline_nodes_[kInlineNodes];
  std::unique_ptr<Node[]> heap_nodes_;
  WaitMode mode_;
  std::optional<Loop::TimePoint> deadline_;
  bool shielded_;
  bool parked_ = false;
  bool cancel_requested_ = false;
  std::size_t remaining_ = 0;
  std::size_t first_failed_ = npos;
  bool any_done_ = false;
};

}  // namespace corio::detail
