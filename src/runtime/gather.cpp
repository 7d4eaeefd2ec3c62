// src/runtime/gather.cpp — the non-template slow path of corio::gather.
#include <corio/gather.hpp>

namespace corio::detail {

Task<> gather_stop(std::span<TaskHeader* const> children, std::span<const bool> spawned,
                   bool all_spawned, bool cancelled) {
  std::vector<TaskHeader*> stopping;
  for (std::size_t i = 0; i < children.size(); ++i) {
    const bool ours = spawned.empty() ? all_spawned : spawned[i];
    if (children[i] == nullptr || children[i]->done() || !(cancelled || ours)) continue;
    children[i]->cancel();
    stopping.push_back(children[i]);
  }
  co_await ChildrenWait(stopping, WaitMode::all_completed, std::nullopt, /*shielded=*/true);
  for (TaskHeader* child : children) {
    if (child != nullptr) child->mark_retrieved();  // gather answers for them
  }
  if (cancelled) {
    current_task_header()->must_cancel = false;  // this CancelledError answers every request
    throw CancelledError();
  }
}

}  // namespace corio::detail
