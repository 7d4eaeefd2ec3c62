// tests/support/frame_probe.hpp — observes when a coroutine frame is freed.
//
// A coroutine's parameters live in its frame until the frame is freed, so a FrameProbe
// passed by value counts the moment the frame goes.
#pragma once

#include <utility>

struct FrameProbe {
  int* freed;
  explicit FrameProbe(int& counter) : freed(&counter) {}
  FrameProbe(FrameProbe&& other) noexcept : freed(std::exchange(other.freed, nullptr)) {}
  FrameProbe& operator=(FrameProbe&&) = delete;
  ~FrameProbe() {
    if (freed != nullptr) ++*freed;
  }
};
