// src/runtime/gather.cpp — the non-template core of corio::gather.
#include <corio/gather.hpp>

namespace corio::detail {

Task<std::size_t> gather_children(std::vector<TaskHeader*> children, std::vector<bool> spawned,
                                  bool fail_fast) {
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
      if (children[i]->done() || !(cancelled || spawned[i])) continue;
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
