// src/runtime/backend_uring.cpp — the io_uring backend (liburing).
//
// Watchers (add_reader/add_writer; level mode only): one-shot IORING_OP_POLL_ADD requests,
// re-armed before each report while the owner is still interested, which gives the same
// behaviour as level-triggered epoll. Each carries a PollRequest; forgetting a watcher
// detaches its request and cancels it; the request is freed by its completion.
// Operations (IoOperation: sockets, through IoRegistration): a poll, recv, send or accept request
// whose user data is the operation itself, tagged with the low bit.
//
// Completion batching (Linux 6.12's minimum wait): when the last poll that found completions
// found many, a blocking poll asks the kernel to wake the thread only once as many have
// gathered, or once the batch wait has passed and at least one is there, or at the timeout.
// Under load that saves a sleep and a wake-up per completion (each a context switch); a loop
// that sees one completion at a time never waits for a second.
//
// Removal and cancellation go through IORING_OP_ASYNC_CANCEL, submitted at once: a request
// holds a reference to its file, and the owner closes the fd right after (the peer must see
// FIN then, as with epoll). POLL_REMOVE would not do: a poll whose wake-up is being processed
// (as right after arming on a ready fd) refuses it with -EALREADY and stays armed.
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <system_error>

#include <corio/detail/intrusive_list.hpp>
#include "backend.hpp"

namespace corio::detail {
namespace {

constexpr unsigned kSubmissionEntries = 256;
constexpr unsigned kCompletionEntries = 4096;
constexpr __u64 kOperationTag = 1;        // user data of an IoOperation (aligned: bit 0 is free)
constexpr unsigned kBusyCompletions = 8;  // a poll that found this many: the loop is busy
constexpr unsigned kMaxBatch = 32;        // completions a batched wait asks for, at most
constexpr std::chrono::milliseconds kMaxBatchWait{10};  // LoopOptions::io_batch_wait's cap
// IORING_FEAT_MIN_TIMEOUT (Linux 6.12), newer than liburing 2.3's headers; with it, the
// getevents argument's `pad` is `min_wait_usec`.
constexpr unsigned kFeatureMinTimeout = 1u << 15;

struct InFlightTag {};

struct PollRequest : ListNode<InFlightTag> {
  IoWatcher* watcher;
  std::uint32_t mask;
};

unsigned poll_events(std::uint32_t interest) {
  return ((interest & kReadable) ? POLLIN : 0u) | ((interest & kWritable) ? POLLOUT : 0u);
}

__kernel_timespec kernel_timespec(std::chrono::nanoseconds duration) {
  __kernel_timespec ts{};
  ts.tv_sec = duration.count() / 1'000'000'000;
  ts.tv_nsec = duration.count() % 1'000'000'000;
  return ts;
}

std::uint32_t ready_bits(int revents) {
  std::uint32_t ready = 0;
  if (revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP)) ready |= kReadable;
  if (revents & (POLLOUT | POLLHUP | POLLERR)) ready |= kWritable;
  if (revents & (POLLHUP | POLLERR | POLLRDHUP)) ready |= kHangup;
  return ready;
}

class UringBackend final : public Backend {
 public:
  // modern_only: only the set-up of Linux 6.1 and later will do.
  UringBackend(std::chrono::microseconds batch_wait, bool modern_only) {
    // The fastest set-up the kernel has: completions posted only when this thread asks
    // (6.1), else without interrupting the thread (5.19), else the plain ring.
    int rc = -EINVAL;
    constexpr unsigned kModern = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    for (const unsigned flags : {kModern, IORING_SETUP_COOP_TASKRUN, 0u}) {
      if (modern_only && flags != kModern) break;
      io_uring_params params{};
      params.flags = flags | IORING_SETUP_CQSIZE;
      params.cq_entries = kCompletionEntries;
      rc = ::io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
      if (rc != -EINVAL) break;
    }
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_queue_init");
    if (ring_.features & kFeatureMinTimeout) {
      batch_wait_us_ = static_cast<unsigned>(std::clamp<long long>(
          batch_wait.count(), 0, std::chrono::microseconds(kMaxBatchWait).count()));
    }
  }
  ~UringBackend() override {
    ::io_uring_queue_exit(&ring_);
    while (PollRequest* request = in_flight_.pop_front()) delete request;
  }

  BackendKind kind() const noexcept override { return BackendKind::io_uring; }

  void update(IoWatcher& watcher) override {
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

  // The armed polls, when nothing else can complete: no operation in flight and nothing
  // queued for the kernel (else SIZE_MAX: a poll must submit it, or may report it).
  std::size_t watched() const noexcept override {
    if (operations_ != 0 || ::io_uring_sq_ready(&ring_) != 0) return SIZE_MAX;
    return polls_;
  }

  bool has_operations() const noexcept override { return true; }

  void start(IoOperation& op) override {
    io_uring_sqe* sqe = next_sqe();
    ++operations_;
    switch (op.kind) {
      case IoOperation::Kind::poll:
        ::io_uring_prep_poll_add(sqe, op.fd, poll_events(op.events));
        break;
      case IoOperation::Kind::recv:
        ::io_uring_prep_recv(sqe, op.fd, op.data, op.size, 0);
        break;
      case IoOperation::Kind::send:
        ::io_uring_prep_send(sqe, op.fd, op.data, op.size, MSG_NOSIGNAL);
        break;
      case IoOperation::Kind::accept:
        static_assert(sizeof(unsigned) == sizeof(socklen_t));
        ::io_uring_prep_accept(sqe, op.fd, static_cast<sockaddr*>(op.data),
                               reinterpret_cast<socklen_t*>(op.address_length),
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
    }
    ::io_uring_sqe_set_data64(sqe, reinterpret_cast<__u64>(&op) | kOperationTag);
  }

  void cancel(IoOperation& op) noexcept override {
    cancel_request(reinterpret_cast<__u64>(&op) | kOperationTag);
  }

  int poll(std::optional<std::chrono::nanoseconds> timeout) override {
    io_uring_cqe* cqe = nullptr;
    int rc;
    // Every call enters the kernel asking for events: with deferred task running that is
    // when completions are posted.
    if (timeout && timeout->count() <= 0) {
      rc = ::io_uring_submit_and_get_events(&ring_);
    } else if (batch_wait_us_ != 0 && last_seen_ >= kBusyCompletions) {
      rc = submit_and_wait_for_batch(timeout);
    } else {
      __kernel_timespec ts{};
      if (timeout) ts = kernel_timespec(*timeout);
      rc = ::io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout ? &ts : nullptr, nullptr);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) {
      throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
    }
    int reports = 0;
    unsigned head;
    unsigned seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      const __u64 data = ::io_uring_cqe_get_data64(cqe);
      if (data == 0) continue;  // completion of a cancellation
      if (data & kOperationTag) {
        auto* op = reinterpret_cast<IoOperation*>(data & ~kOperationTag);
        const bool more = (cqe->flags & IORING_CQE_F_SOCK_NONEMPTY) != 0;
        int result = cqe->res;
        if (op->kind == IoOperation::Kind::poll && result >= 0) result = ready_bits(result);
        ++reports;
        --operations_;
        op->on_complete(op, result, more);
        continue;
      }
      auto* request = reinterpret_cast<PollRequest*>(data);
      IoWatcher* watcher = request->watcher;
      request->unlink();
      delete request;
      --polls_;
      if (watcher == nullptr) continue;  // forgotten while in flight
      watcher->backend_state = nullptr;
      // An error: let the owner find out.
      const std::uint32_t ready =
          cqe->res >= 0 ? ready_bits(cqe->res) : kReadable | kWritable | kHangup;
      // Watch again before reporting (the report may forget the watcher).
      if (watcher->interest != 0) arm(*watcher);
      ++reports;
      watcher->on_ready(watcher, ready);
    }
    ::io_uring_cq_advance(&ring_, seen);
    if (seen != 0) last_seen_ = seen;
    return reports;
  }

 private:
  // One io_uring_enter that submits what is queued and waits for min(last poll's count,
  // kMaxBatch) completions, or for the batch wait to pass with at least one there, or for
  // `timeout` (none: no limit). Returns what io_uring_enter does (negative: an errno).
  int submit_and_wait_for_batch(std::optional<std::chrono::nanoseconds> timeout) {
    __kernel_timespec ts{};
    io_uring_getevents_arg arg{};
    arg.sigmask_sz = _NSIG / 8;
    arg.pad = batch_wait_us_;
    if (timeout) {
      ts = kernel_timespec(*timeout);
      arg.ts = reinterpret_cast<__u64>(&ts);
    }
    return ::io_uring_enter2(ring_.ring_fd, publish_submissions(), std::min(last_seen_, kMaxBatch),
                             IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG,
                             reinterpret_cast<sigset_t*>(&arg), sizeof arg);
  }

  // What liburing's submit does before entering the kernel: makes the queued entries
  // visible to it. Returns how many are waiting to be submitted.
  unsigned publish_submissions() noexcept {
    io_uring_sq& sq = ring_.sq;
    const unsigned tail = sq.sqe_tail;
    if (sq.sqe_head != tail) {
      sq.sqe_head = tail;
      std::atomic_ref<unsigned>(*sq.ktail).store(tail, std::memory_order_release);
    }
    return tail - std::atomic_ref<unsigned>(*sq.khead).load(std::memory_order_acquire);
  }

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
    ::io_uring_prep_poll_add(sqe, watcher.fd, poll_events(watcher.interest));
    ::io_uring_sqe_set_data(sqe, request);
    in_flight_.push_back(request);
    ++polls_;
    watcher.backend_state = request;
  }

  void detach(IoWatcher& watcher) noexcept {
    auto* request = static_cast<PollRequest*>(watcher.backend_state);
    request->watcher = nullptr;
    watcher.backend_state = nullptr;
    cancel_request(reinterpret_cast<__u64>(request));
  }

  // Cancels the request with that user data and asks for events, so that the request has
  // dropped its file reference when this returns (if the kernel let go of it inline; else
  // the fd is really closed when the cancellation completes).
  void cancel_request(__u64 user_data) noexcept {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
      // A full queue: submitting (and flushing completions that block submission) frees it.
      ::io_uring_submit_and_get_events(&ring_);
      sqe = ::io_uring_get_sqe(&ring_);
    }
    // Only a ring the kernel refuses to take anything from leaves no room: the request then
    // ends only when it completes by itself (data arrives, the peer closes).
    if (sqe == nullptr) return;
    ::io_uring_prep_cancel64(sqe, user_data, 0);
    ::io_uring_sqe_set_data64(sqe, 0);
    ::io_uring_submit_and_get_events(&ring_);
  }

  io_uring ring_{};
  unsigned batch_wait_us_ = 0;  // 0: never wait for more than one completion
  unsigned last_seen_ = 0;      // completions the last poll that found any found
  std::size_t operations_ = 0;  // IoOperations started and not completed
  std::size_t polls_ = 0;       // PollRequests in flight (watchers' and detached ones)
  IntrusiveList<PollRequest, InFlightTag> in_flight_;
};

}  // namespace

std::unique_ptr<Backend> make_uring_backend(std::chrono::microseconds batch_wait) {
  return std::make_unique<UringBackend>(batch_wait, false);
}

std::unique_ptr<Backend> make_default_backend(std::chrono::microseconds batch_wait) {
  try {
    return std::make_unique<UringBackend>(batch_wait, true);
  } catch (const std::system_error&) {
    // An older kernel, or io_uring refused (kernel.io_uring_disabled, a seccomp filter).
    return make_epoll_backend();
  }
}

}  // namespace corio::detail
