// src/runtime/thread_pool.cpp — corio::ThreadPool.
#include <corio/thread_pool.hpp>

#include <algorithm>
#include <csignal>

#include <corio/errors.hpp>

namespace corio {

namespace {

// The pool whose worker this thread is, if any: shutdown() must not join its own thread.
thread_local const ThreadPool* t_worker_of = nullptr;

}  // namespace

ThreadPool::ThreadPool(unsigned max_workers)
    : max_workers_(max_workers != 0 ? max_workers
                                    : std::min(32u, std::thread::hardware_concurrency() + 4)) {}

ThreadPool::~ThreadPool() {
  shutdown();
}

void ThreadPool::submit(std::function<void()> job) {
  std::unique_lock lock(mutex_);
  if (stopping_) throw RuntimeError("corio: cannot submit to a thread pool after shutdown");
  jobs_.push_back(std::move(job));
  if (idle_ >= jobs_.size() || workers_.size() >= max_workers_) {
    cv_.notify_one();
    return;
  }
  // Workers never take signals: those belong to the loop's thread (add_signal_handler).
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  try {
    workers_.emplace_back([this] { work(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    // No new thread (EAGAIN, out of memory). A busy worker will take the job later; with no
    // worker at all it is withdrawn, so a caller that sees the exception knows it never runs
    // (to_thread relies on that: its job points into the awaiting frame).
    if (!workers_.empty()) {
      cv_.notify_one();
      return;
    }
    jobs_.pop_back();
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void ThreadPool::work() {
  t_worker_of = this;
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    --idle_;
    if (jobs_.empty()) return;  // stopping and nothing left
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

void ThreadPool::shutdown() {
  // From one of this pool's jobs (concurrent.futures would join the calling thread: a
  // deadlock, or "cannot join current thread"), everything but that thread is joined; it
  // finishes its job and exits, and a later shutdown() from another thread or the destructor
  // joins it.
  const bool from_own_job = t_worker_of == this;
  std::vector<std::thread> taken;
  std::unique_lock lock(mutex_);
  stopping_ = true;
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->get_id() == std::this_thread::get_id()) {
      ++it;
    } else {
      taken.push_back(std::move(*it));
      it = workers_.erase(it);
    }
  }
  ++joining_;
  lock.unlock();
  cv_.notify_all();
  for (auto& worker : taken) worker.join();
  lock.lock();
  --joining_;
  joined_cv_.notify_all();
  // Another thread's call may be joining workers this call did not take. A job does not wait
  // for it: that call may be joining this very thread.
  if (!from_own_job) joined_cv_.wait(lock, [this] { return joining_ == 0; });
}

std::size_t ThreadPool::worker_count() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

}  // namespace corio
