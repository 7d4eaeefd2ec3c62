// include/corio/detail/frame_allocator.hpp — where coroutine frames and callback nodes come from.
//
// A per-thread recycling allocator: freed blocks go to a per-size free list of the freeing
// thread and are handed out again, so a steady state of spawning and finishing tasks takes
// nothing from the global heap. Blocks may be freed on another thread than the one that
// allocated them. Each thread's cache is bounded and returned to the heap at thread exit.
// Under AddressSanitizer the cache is bypassed so use-after-free is still caught.
//
// The fast paths (a free-list pop or push) are inline; the rest is in frame_allocator.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#define CORIO_NO_FRAME_CACHE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_NO_FRAME_CACHE 1
#endif
#endif

namespace corio::detail {

// Size classes step by 16 bytes and end 8 bytes past a multiple of 16: a block of class c
// holds 16c + 8 bytes, which glibc's malloc serves from a chunk of exactly 16(c + 1) bytes
// (its 8-byte size field included), so a cached frame carries 8 bytes of overhead at most.
struct FrameCache {
  static constexpr std::size_t kMaxCached = 2048 + 8;
  static constexpr std::size_t kClasses = kMaxCached / 16 + 1;
  // Enough for a burst of some 50,000 live tasks per frame size.
  static constexpr std::size_t kMaxBytesPerClass = std::size_t{16} << 20;

  struct FreeBlock {
    FreeBlock* next;
  };

  static constexpr std::size_t class_of(std::size_t size) noexcept { return (size + 7) / 16; }
  static constexpr std::size_t block_bytes(std::size_t c) noexcept { return 16 * c + 8; }
  static constexpr std::size_t max_blocks(std::size_t c) noexcept {
    return kMaxBytesPerClass / block_bytes(c);
  }

  std::array<FreeBlock*, kClasses> heads;
  // How many more blocks each list may take: max_blocks(c) from a thread's first
  // allocation on, zero before it and once the cache is flushed at thread exit (so blocks
  // freed then go straight back to the heap). One test serves both limits.
  std::array<std::uint32_t, kClasses> room;
};

// Constant-initialised to zero (constinit), so access is a plain TLS load with no init check.
extern thread_local constinit FrameCache t_frame_cache;

[[nodiscard]] void* allocate_frame_slow(std::size_t size);
void deallocate_frame_slow(void* block, std::size_t size) noexcept;

[[nodiscard]] inline void* allocate_frame(std::size_t size) {
#ifndef CORIO_NO_FRAME_CACHE
  FrameCache& cache = t_frame_cache;
  if (size <= FrameCache::kMaxCached) {
    const std::size_t c = FrameCache::class_of(size);
    if (FrameCache::FreeBlock* block = cache.heads[c]) {
      cache.heads[c] = block->next;
      ++cache.room[c];
      return block;
    }
  }
#endif
  return allocate_frame_slow(size);
}

inline void deallocate_frame(void* block, std::size_t size) noexcept {
#ifndef CORIO_NO_FRAME_CACHE
  FrameCache& cache = t_frame_cache;
  if (size <= FrameCache::kMaxCached) {
    const std::size_t c = FrameCache::class_of(size);
    if (cache.room[c] != 0) {
      auto* free_block = static_cast<FrameCache::FreeBlock*>(block);
      free_block->next = cache.heads[c];
      cache.heads[c] = free_block;
      --cache.room[c];
      return;
    }
  }
#endif
  deallocate_frame_slow(block, size);
}

}  // namespace corio::detail
