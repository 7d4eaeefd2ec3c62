// src/runtime/frame_allocator.cpp — per-thread recycling of coroutine frames.
//
// Blocks are rounded up to 16 bytes; sizes up to kMaxCached get a free list each. Every
// block comes from ::operator new individually, so a block may be returned to any thread's
// cache. Each list holds at most kMaxCachedBytesPerClass (enough for a burst of some 50,000
// live tasks per frame size); the rest goes back to the heap.
#include <corio/detail/frame_allocator.hpp>

#include <array>
#include <cstdint>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define CORIO_NO_FRAME_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_NO_FRAME_CACHE 1
#endif
#endif

namespace corio::detail {
namespace {

constexpr std::size_t kGranule = 16;
constexpr std::size_t kMaxCached = 2048;
constexpr std::size_t kClasses = kMaxCached / kGranule;
[[maybe_unused]] constexpr std::size_t kMaxCachedBytesPerClass = std::size_t{16} << 20;

struct FreeBlock {
  FreeBlock* next;
};

struct Cache {
  std::array<FreeBlock*, kClasses> heads{};
  std::array<std::uint32_t, kClasses> counts{};
  bool alive = false;
};

// Trivially constructible so that access never goes through a TLS init wrapper; the guard
// below flushes it at thread exit.
thread_local Cache t_cache;

struct CacheGuard {
  CacheGuard() { t_cache.alive = true; }
  ~CacheGuard() {
    t_cache.alive = false;
    for (auto& head : t_cache.heads) {
      while (head != nullptr) {
        FreeBlock* next = head->next;
        ::operator delete(head);
        head = next;
      }
    }
  }
};
thread_local CacheGuard t_guard;

[[maybe_unused]] std::size_t class_of(std::size_t size) noexcept {
  return (size + kGranule - 1) / kGranule - 1;
}

}  // namespace

void* allocate_frame(std::size_t size) {
#ifndef CORIO_NO_FRAME_CACHE
  if (size <= kMaxCached) {
    const std::size_t c = class_of(size);
    if (FreeBlock* block = t_cache.heads[c]) {
      t_cache.heads[c] = block->next;
      --t_cache.counts[c];
      return block;
    }
    (void)&t_guard;  // make sure the guard exists before the first block is cached
    return ::operator new((c + 1) * kGranule);
  }
#endif
  return ::operator new(size);
}

void deallocate_frame(void* block, std::size_t size) noexcept {
#ifndef CORIO_NO_FRAME_CACHE
  if (size <= kMaxCached) {
    const std::size_t c = class_of(size);
    if (t_cache.alive && (t_cache.counts[c] + 1) * (c + 1) * kGranule <= kMaxCachedBytesPerClass) {
      auto* free_block = static_cast<FreeBlock*>(block);
      free_block->next = t_cache.heads[c];
      t_cache.heads[c] = free_block;
      ++t_cache.counts[c];
      return;
    }
  }
#endif
  (void)size;
  ::operator delete(block);
}

}  // namespace corio::detail
