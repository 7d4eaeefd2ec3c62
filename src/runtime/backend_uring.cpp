// src/runtime/backend_uring.cpp — the io_uring backend (liburing).
//
// Level mode: one-shot IORING_OP_POLL_ADD requests, re-armed before each report while the
// owner is still interested, which gives the same behaviour as level-triggered epoll. Edge
// mode: one multishot poll for both directions, reporting each readiness change, re-armed
// if the kernel ends it. Each request carries a PollRequest; forgetting a watcher detaches
// its request and asks the kernel to remove it; the request is freed by its last completion.
#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <corio/detail/intrusive_list.hpp>
#include "backend.hpp"

namespace corio::detail {
namespace {

struct InFlightTag {};

struct PollRequest : ListNode<InFlightTag> {
  IoWatcher* watcher;
  std::uint32_t mask;
};

constexpr unsigned kSubmissionEntries = 256;
constexpr unsigned kCompletionEntries = 4096;

class UringBackend final : public Backend {
 public:
  UringBackend() {
    // The fastest set-up the kernel has: completions posted only when this thread asks
    // (6.1), else without interrupting the thread (5.19), else the plain ring.
    int rc = -EINVAL;
    for (const unsigned flags :
         {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_COOP_TASKRUN, 0u}) {
      io_uring_params params{};
      params.flags = flags | IORING_SETUP_CQSIZE;
      params.cq_entries = kCompletionEntries;
      rc = ::io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
      if (rc != -EINVAL) break;
    }
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");
  }
  ~UringBackend() override {
    ::io_uring_queue_exit(&ring_);
    while (PollRequest* request = in_flight_.pop_front()) delete request;
  }

  BackendKind kind() const noexcept override { return BackendKind::io_uring; }

  void update(IoWatcher& watcher) override {
    if (watcher.edge) {
      if (watcher.backend_state == nullptr) arm(watcher);
      return;
    }
    auto* current = static_cast<PollRequest*>(watcher.backend_state);
    if (current != nullptr) {
      if (current->mask == watcher.interest) return;
      detach(watcher);
    }
    if (watcher.interest != 0) arm(watcher);
  }

  void forget(IoWatcher& watcher) noexcept override {
    if (watcher.backend_state != nullptr) detach(watcher);
  }

  int poll(std::optional<std::chrono::nanoseconds> timeout) override {
    io_uring_cqe* cqe = nullptr;
    int rc;
    // Every call enters the kernel asking for events: with deferred task running that is
    // when completions (the removal of a poll included, which releases its file) are posted.
    if (timeout && timeout->count() <= 0) {
      rc = ::io_uring_submit_and_get_events(&ring_);
    } else if (timeout) {
      __kernel_timespec ts{};
      ts.tv_sec = timeout->count() / 1'000'000'000;
      ts.tv_nsec = timeout->count() % 1'000'000'000;
      rc = ::io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    } else {
      rc = ::io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, nullptr, nullptr);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) {
      throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
    }
    int reports = 0;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      auto* request = static_cast<PollRequest*>(::io_uring_cqe_get_data(cqe));
      if (request == nullptr) continue;  // completion of a poll removal
      const int result = cqe->res;
      IoWatcher* watcher = request->watcher;
      const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;  // multishot goes on
      if (!more) {
        request->unlink();
        delete request;
      }
      if (watcher == nullptr) continue;  // forgotten while in flight
      if (!more) watcher->backend_state = nullptr;
      std::uint32_t ready = kReadable | kWritable;  // an error: let the owner find out
      if (result >= 0) {
        ready = 0;
        if (result & (POLLIN | POLLHUP | POLLERR | POLLRDHUP)) ready |= kReadable;
        if (result & (POLLOUT | POLLHUP | POLLERR)) ready |= kWritable;
      }
      // Watch again before reporting (the report may forget the watcher). An error ends an
      // edge watch: the owner learns of it from its next operation on the fd.
      const bool rearm = watcher->edge ? result >= 0 : watcher->interest != 0;
      if (!more && rearm) arm(*watcher);
      ++reports;
      watcher->on_ready(watcher, ready);
    }
    ::io_uring_cq_advance(&ring_, seen);
    return reports;
  }

 private:
  io_uring_sqe* next_sqe() {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      ::io_uring_submit(&ring_);
      sqe = ::io_uring_get_sqe(&ring_);
      if (sqe == nullptr) throw std::system_error(EBUSY, std::generic_category(), "io_uring sq");
    }
    return sqe;
  }

  void arm(IoWatcher& watcher) {
    io_uring_sqe* sqe = next_sqe();
    auto* request = new PollRequest;
    request->watcher = &watcher;
    request->mask = watcher.interest;
    if (watcher.edge) {
      ::io_uring_prep_poll_multishot(sqe, watcher.fd, POLLIN | POLLOUT | POLLRDHUP);
    } else {
      const unsigned events = ((watcher.interest & kReadable) ? POLLIN : 0u) |
                              ((watcher.interest & kWritable) ? POLLOUT : 0u);
      ::io_uring_prep_poll_add(sqe, watcher.fd, events);
    }
    ::io_uring_sqe_set_data(sqe, request);
    in_flight_.push_back(request);
    watcher.backend_state = request;
  }

  void detach(IoWatcher& watcher) noexcept {
    auto* request = static_cast<PollRequest*>(watcher.backend_state);
    request->watcher = nullptr;
    watcher.backend_state = nullptr;
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      ::io_uring_submit(&ring_);
      sqe = ::io_uring_get_sqe(&ring_);
    }
    if (sqe == nullptr) return;  // the request completes on its own when the fd is closed
    // IORING_OP_ASYNC_CANCEL, not POLL_REMOVE: a poll whose wake-up is being processed (as
    // right after arming on a ready fd) refuses removal with -EALREADY and would stay armed,
    // while a cancel marks it and takes effect when that processing ends.
    ::io_uring_prep_cancel64(sqe, reinterpret_cast<__u64>(request), 0);
    ::io_uring_sqe_set_data(sqe, nullptr);
    // The poll holds a reference to the file: remove it now, so that closing the fd right
    // after this really closes the socket (the peer sees FIN at once, as with epoll).
    ::io_uring_submit_and_get_events(&ring_);
  }

  io_uring ring_{};
  IntrusiveList<PollRequest, InFlightTag> in_flight_;
};

}  // namespace

std::unique_ptr<Backend> make_uring_backend() {
  return std::make_unique<UringBackend>();
}

}  // namespace corio::detail
