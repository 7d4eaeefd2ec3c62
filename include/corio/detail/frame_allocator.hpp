// include/corio/detail/frame_allocator.hpp — where coroutine frames and callback nodes come from.
//
// A per-thread recycling allocator: freed blocks go to a per-size free list of the freeing
// thread and are handed out again, so a steady state of spawning and finishing tasks takes
// nothing from the global heap. Blocks may be freed on another thread than the one that
// allocated them. Each thread's cache is bounded and returned to the heap at thread exit.
// Under AddressSanitizer the cache is bypassed so use-after-free is still caught.
#pragma once

#include <cstddef>

namespace corio::detail {

[[nodiscard]] void* allocate_frame(std::size_t size);
void deallocate_frame(void* block, std::size_t size) noexcept;

}  // namespace corio::detail
