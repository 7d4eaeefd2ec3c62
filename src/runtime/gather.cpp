// src/runtime/gather.cpp — the non-template core of corio::gather.
#include <corio/gather.hpp>

namespace corio::detail {

Task<std::size_t> gather_children(std::span<TaskHeader* const> children,
                                  std::span<const bool> spawned, bool all_spawned, bool fail_fast) {
  std::size_t failed = ChildrenWait::npos;
  bool cancelled = false;
  try {
    ChildrenWait wait(children, fail_fast ? WaitMode::first_failure : WaitMode::all_completed);
    co_await wait;
    failed = wait.first_failed();
  } catch (const CancelledError&) {
    cancelled = true;
  }
  if (cancelled || failed != ChildrenWait::npos) {
    std::vector<TaskHeader*> stopping;
    for (std::size_t i = 0; i < children.size(); ++i) {
      const bool ours = spawned.empty() ? all_spawned : spawned[i];
      if (children[i]->done() || !(cancelled || ours)) continue;
      children[i]->cancel();
      stopping.push_back(children[i]);
    }
    co_await ChildrenWait(stopping, WaitMode::all_completed, std::nullopt, /*shielded=*/true);
  }
  for (TaskHeader* child : children) child->mark_retrieved();
  if (cancelled) {
    current_task_header()->must_cancel = false;  // this CancelledError answers every request
    throw CancelledError();
  }
  co_return failed;
}

}  // namespace corio::detail
