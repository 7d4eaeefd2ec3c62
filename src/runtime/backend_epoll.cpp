// src/runtime/backend_epoll.cpp — the epoll backend (level-triggered, epoll_pwait2 timeouts).
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "backend.hpp"

namespace corio::detail {
namespace {

class EpollBackend final : public Backend {
 public:
  EpollBackend() : epfd_(::epoll_create1(EPOLL_CLOEXEC)), events_(256) {
    if (epfd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
  ~EpollBackend() override { ::close(epfd_); }

  BackendKind kind() const noexcept override { return BackendKind::epoll; }

  void update(IoWatcher& watcher) override {
    if (watcher.edge) {
      if (watcher.registered != 0) return;  // registered once for good
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
      ev.data.ptr = &watcher;
      if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, watcher.fd, &ev) < 0) {
        throw std::system_error(errno, std::generic_category(),
                                "epoll_ctl(fd " + std::to_string(watcher.fd) + ")");
      }
      watcher.registered = kReadable | kWritable;
      ++watched_;
      return;
    }
    const std::uint32_t want = watcher.interest;
    if (want == watcher.registered) return;
    epoll_event ev{};
    ev.events = ((want & kReadable) ? EPOLLIN : 0u) | ((want & kWritable) ? EPOLLOUT : 0u);
    ev.data.ptr = &watcher;
    int op = EPOLL_CTL_MOD;
    if (watcher.registered == 0) op = EPOLL_CTL_ADD;
    if (want == 0) op = EPOLL_CTL_DEL;
    if (::epoll_ctl(epfd_, op, watcher.fd, &ev) < 0) {
      throw std::system_error(errno, std::generic_category(),
                              "epoll_ctl(fd " + std::to_string(watcher.fd) + ")");
    }
    if (op == EPOLL_CTL_ADD) ++watched_;
    if (op == EPOLL_CTL_DEL) --watched_;
    watcher.registered = want;
    if (want == 0) drop_reports(watcher);
  }

  void forget(IoWatcher& watcher) noexcept override {
    if (watcher.registered != 0) {
      ::epoll_ctl(epfd_, EPOLL_CTL_DEL, watcher.fd, nullptr);  // EBADF if already closed: fine
      watcher.registered = 0;
      --watched_;
    }
    drop_reports(watcher);
  }

  std::size_t watched() const noexcept override { return watched_; }
  bool has_operations() const noexcept override { return false; }
  void start(IoOperation&) override {
    throw std::logic_error("corio: the epoll backend runs no I/O operations");
  }
  void cancel(IoOperation&) noexcept override {}

  int poll(std::optional<std::chrono::nanoseconds> timeout) override {
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout) {
      const auto ns = timeout->count() < 0 ? 0 : timeout->count();
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      tsp = &ts;
    }
    const int n = wait(tsp, timeout);
    if (n < 0) {
      if (errno == EINTR) return 0;
      throw std::system_error(errno, std::generic_category(), "epoll_wait");
    }
    batch_size_ = n;
    for (batch_index_ = 0; batch_index_ < batch_size_; ++batch_index_) {
      auto* watcher = static_cast<IoWatcher*>(events_[batch_index_].data.ptr);
      if (watcher == nullptr) continue;  // forgotten by an earlier callback of this batch
      const std::uint32_t e = events_[batch_index_].events;
      std::uint32_t ready = 0;
      if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ready |= kReadable;
      if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) ready |= kWritable;
      if (e & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ready |= kHangup;
      watcher->on_ready(watcher, ready);
    }
    batch_size_ = 0;
    if (n == static_cast<int>(events_.size())) events_.resize(events_.size() * 2);
    return n;
  }

 private:
  // epoll_pwait2 (Linux 5.11) for nanosecond timeouts; epoll_wait, rounding the timeout up
  // to whole milliseconds, where the kernel (or valgrind) lacks it.
  int wait(const timespec* tsp, std::optional<std::chrono::nanoseconds> timeout) {
    const int capacity = static_cast<int>(events_.size());
    if (have_pwait2_) {
      const int n = ::epoll_pwait2(epfd_, events_.data(), capacity, tsp, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      have_pwait2_ = false;
    }
    int ms = -1;
    if (timeout) {
      const auto rounded_up = std::chrono::ceil<std::chrono::milliseconds>(*timeout).count();
      ms = static_cast<int>(std::clamp<long long>(rounded_up, 0, 1 << 30));
    }
    return ::epoll_wait(epfd_, events_.data(), capacity, ms);
  }

  // A watcher forgotten while its batch is being dispatched must not be reported.
  void drop_reports(IoWatcher& watcher) noexcept {
    for (int i = batch_index_ + 1; i < batch_size_; ++i) {
      if (events_[i].data.ptr == &watcher) events_[i].data.ptr = nullptr;
    }
  }

  int epfd_;
  std::vector<epoll_event> events_;
  int batch_index_ = 0;
  int batch_size_ = 0;
  std::size_t watched_ = 0;
  bool have_pwait2_ = true;
};

}  // namespace

std::unique_ptr<Backend> make_epoll_backend() {
  return std::make_unique<EpollBackend>();
}

}  // namespace corio::detail
