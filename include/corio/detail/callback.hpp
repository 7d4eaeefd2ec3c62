// include/corio/detail/callback.hpp — a scheduled plain callback (call_soon, call_later).
//
// One allocation from the frame allocator holds the callable. The node is shared between the
// loop (while scheduled) and Handles, by reference count.
#pragma once

#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

#include <corio/detail/frame_allocator.hpp>
#include <corio/detail/task_header.hpp>
#include <corio/detail/timer.hpp>

namespace corio::detail {

struct CallbackNode : Runnable, TimerEntry {
  std::uint32_t refs = 1;
  bool cancelled = false;
  Loop* loop = nullptr;
  void (*invoke)(CallbackNode*) = nullptr;
  void (*destroy)(CallbackNode*) noexcept = nullptr;

  void retain() noexcept { ++refs; }
  void release() noexcept {
    if (--refs == 0) destroy(this);
  }
};

template <class F>
struct CallbackImpl final : CallbackNode {
  F fn;

  template <class U>
  explicit CallbackImpl(U&& f) : fn(std::forward<U>(f)) {
    invoke = [](CallbackNode* self) { static_cast<CallbackImpl*>(self)->fn(); };
    destroy = [](CallbackNode* self) noexcept { delete static_cast<CallbackImpl*>(self); };
  }
  static void* operator new(std::size_t size) { return allocate_frame(size); }
  static void operator delete(void* p, std::size_t size) noexcept { deallocate_frame(p, size); }
};

template <class F>
CallbackNode* make_callback(F&& f) {
  return new CallbackImpl<std::decay_t<F>>(std::forward<F>(f));
}

}  // namespace corio::detail
