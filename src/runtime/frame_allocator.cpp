// src/runtime/frame_allocator.cpp — per-thread recycling of coroutine frames: the slow paths.
//
// Every block comes from ::operator new individually, so a block may be returned to any
// thread's cache. Each list holds at most kMaxBytesPerClass; the rest goes back to the heap.
#include <corio/detail/frame_allocator.hpp>

#include <new>

namespace corio::detail {

thread_local constinit FrameCache t_frame_cache{};

namespace {

struct CacheGuard {
  CacheGuard() {
    for (std::size_t c = 0; c < FrameCache::kClasses; ++c) {
      t_frame_cache.room[c] = static_cast<std::uint32_t>(FrameCache::max_blocks(c));
    }
  }
  ~CacheGuard() {
    t_frame_cache.room = {};
    for (auto& head : t_frame_cache.heads) {
      while (head != nullptr) {
        FrameCache::FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }
};
thread_local CacheGuard t_guard;

}  // namespace

void* allocate_frame_slow(std::size_t size) {
#ifndef CORIO_NO_FRAME_CACHE
  if (size <= FrameCache::kMaxCached) {
    (void)&t_guard;  // make sure the guard exists before the first block is cached
    return ::operator new(FrameCache::block_bytes(FrameCache::class_of(size)));
  }
#endif
  return ::operator new(size);
}

void deallocate_frame_slow(void* block, std::size_t) noexcept {
  ::operator delete(block);
}

}  // namespace corio::detail
